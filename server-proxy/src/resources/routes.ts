/**
 * The resource meter's routes (server-proxy/API.md, "Resources"): the
 * current sample (ETag = its sequence number: 304 until the next sample) and
 * the history, as one object per sample or as columns.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { IServices } from '../app';
import { errors } from '../errors';

export function resourceRoutes(services: IServices): FastifyPluginAsync {
  const resources = services.resources;
  return async app => {
    app.get(
      '/api/resources',
      {
        schema: {
          querystring: {
            type: 'object',
            additionalProperties: false,
            properties: {}
          }
        }
      },
      async (request, reply) => {
        const sample = await resources.current();
        const etag = `"r${sample.seq}-${sample.time}"`;
        reply.header('etag', etag).header('cache-control', 'no-cache');
        if (request.headers['if-none-match'] === etag) {
          return reply.status(304).send();
        }
        return sample;
      }
    );

    app.get<{
      Querystring: { seconds?: number; format?: 'samples' | 'columns' };
    }>(
      '/api/resources/history',
      {
        schema: {
          querystring: {
            type: 'object',
            additionalProperties: false,
            properties: {
              seconds: { type: 'number' },
              format: { enum: ['samples', 'columns'] }
            }
          }
        }
      },
      async request => {
        const kept = services.config.resources.historySeconds;
        const seconds = request.query.seconds ?? kept;
        if (!Number.isFinite(seconds) || seconds <= 0 || seconds > kept) {
          throw errors.badRequest(
            `Invalid request: seconds must be a number above 0 and at most ${kept} (the history kept, resources.historySeconds).`,
            'INVALID_INPUT'
          );
        }
        return resources.history(seconds, request.query.format ?? 'samples');
      }
    );
  };
}
