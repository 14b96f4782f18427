/**
 * The Dask routes (server-proxy/API.md, "Dask"): list, create (and its
 * preview), adopt, read, scale or adapt, shut down, metrics. Bodies are
 * validated by schema (unknown fields refused) before anything runs; units
 * and limits are checked by the service with errors in words.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { IServices } from '../app';
import { errors } from '../errors';
import type { IAdoptRequest } from './adopt';
import type { IPatchRequest } from './service';
import { adaptSchema, createBodySchema, ICreateRequest } from './spec';
import { CLUSTER_ID_PATTERN } from './state';

const idParams = {
  type: 'object',
  required: ['id'],
  additionalProperties: false,
  properties: { id: { type: 'string', pattern: CLUSTER_ID_PATTERN } }
} as const;

const noQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {}
} as const;

const patchBody = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  maxProperties: 1,
  properties: {
    workers: { type: 'integer', minimum: 0 },
    adapt: { anyOf: [adaptSchema, { type: 'null' }] }
  }
} as const;

const adoptBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    schedulerFile: { type: 'string', pattern: '^/', maxLength: 4096 },
    address: { type: 'string', minLength: 1, maxLength: 300 },
    dashboardPort: { type: 'integer', minimum: 1, maximum: 65535 },
    name: createBodySchema.properties.name
  }
} as const;

export function daskRoutes(services: IServices): FastifyPluginAsync {
  const dask = services.dask;
  return async app => {
    app.get(
      '/api/dask/clusters',
      { schema: { querystring: noQuery } },
      async () => ({ clusters: dask.list() })
    );

    app.post<{ Body: ICreateRequest }>(
      '/api/dask/clusters',
      { schema: { body: createBodySchema } },
      async (request, reply) =>
        reply.status(201).send(await dask.create(request.body))
    );

    app.post<{ Body: ICreateRequest }>(
      '/api/dask/clusters/preview',
      { schema: { body: createBodySchema } },
      async request => dask.preview(request.body)
    );

    app.post<{
      Body: {
        schedulerFile?: string;
        address?: string;
        dashboardPort?: number;
        name?: string;
      };
    }>(
      '/api/dask/clusters/adopt',
      { schema: { body: adoptBody } },
      async (request, reply) => {
        const body = request.body;
        const byFile = body.schedulerFile !== undefined;
        const byAddress = body.address !== undefined;
        if (byFile === byAddress) {
          throw errors.badRequest(
            'Invalid request: give either schedulerFile (an absolute path) or address (tcp://host:port), not both and not neither.',
            'INVALID_INPUT'
          );
        }
        if (byFile && body.dashboardPort !== undefined) {
          throw errors.badRequest(
            'Invalid request: dashboardPort goes with address; a scheduler file names its dashboard port itself.',
            'INVALID_INPUT'
          );
        }
        const cluster = await dask.adopt(body as IAdoptRequest);
        return reply.status(201).send(cluster);
      }
    );

    app.get<{ Params: { id: string } }>(
      '/api/dask/clusters/:id',
      { schema: { params: idParams, querystring: noQuery } },
      async request => dask.get(request.params.id)
    );

    app.patch<{ Params: { id: string }; Body: IPatchRequest }>(
      '/api/dask/clusters/:id',
      { schema: { params: idParams, body: patchBody } },
      async request => dask.patch(request.params.id, request.body)
    );

    app.delete<{ Params: { id: string } }>(
      '/api/dask/clusters/:id',
      { schema: { params: idParams, querystring: noQuery } },
      async (request, reply) => {
        await dask.remove(request.params.id);
        return reply.status(204).send();
      }
    );

    app.get<{ Params: { id: string }; Querystring: { seconds?: number } }>(
      '/api/dask/clusters/:id/metrics',
      {
        schema: {
          params: idParams,
          querystring: {
            type: 'object',
            additionalProperties: false,
            properties: {
              seconds: { type: 'number', exclusiveMinimum: 0, maximum: 3600 }
            }
          }
        }
      },
      async request => ({
        samples: dask.metrics(request.params.id, request.query.seconds ?? 300)
      })
    );
  };
}
