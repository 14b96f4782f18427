/**
 * The Slurm routes (server-proxy/API.md, "Slurm"). Inputs are validated by
 * schema before anything runs; job ids must match Slurm's grammar.
 */
import { errors } from '../errors';
import type { FastifyPluginAsync } from 'fastify';
import type { IServices } from '../app';
import { JOB_ID_PATTERN } from './ids';
import { Scope } from './commands';
import { Action } from './commands';
import type { ISubmitRequest } from './service';

const cluster = { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,64}$' } as const;
const slurmName = {
  type: 'string',
  pattern: '^[A-Za-z0-9_.-]{1,64}$'
} as const;
const jobIdParams = {
  type: 'object',
  required: ['jobId'],
  additionalProperties: false,
  properties: { jobId: { type: 'string', pattern: JOB_ID_PATTERN } }
} as const;

/** `POST api/slurm/jobs` and its preview. */
const submitBody = {
  type: 'object',
  required: ['script'],
  additionalProperties: false,
  properties: {
    script: { type: 'string', minLength: 1, maxLength: 1 << 20 },
    cwd: { type: 'string', maxLength: 4096 },
    profile: { type: 'string', maxLength: 64 },
    options: {
      type: 'object',
      additionalProperties: false,
      properties: {
        partition: slurmName,
        account: slurmName,
        qos: slurmName,
        time: { type: 'string', pattern: '^[0-9:-]{1,16}$' },
        nodes: { type: 'integer', minimum: 1, maximum: 100000 },
        cpusPerTask: { type: 'integer', minimum: 1, maximum: 100000 },
        mem: { type: 'string', pattern: '^[0-9]+[KMGT]?$' },
        gpus: { type: 'integer', minimum: 0, maximum: 1024 },
        name: {
          type: 'string',
          minLength: 1,
          maxLength: 200,
          pattern: '^[^\\u0000]*$'
        }
      }
    }
  }
} as const;

export function slurmRoutes(services: IServices): FastifyPluginAsync {
  const slurm = services.slurm;
  return async app => {
    // A `cluster` must be one the server knows (configured or detected):
    // anything else would start a poller per name a client makes up.
    app.addHook('preHandler', async request => {
      const name =
        (request.query as { cluster?: unknown } | undefined)?.cluster ??
        (request.body as { cluster?: unknown } | null | undefined)?.cluster;
      if (typeof name !== 'string') {
        return;
      }
      const known = (await services.capabilities.get()).slurm.clusters;
      if (!known.includes(name)) {
        throw errors.badRequest(
          `Unknown Slurm cluster "${name}": this server knows ${known.length ? known.join(', ') : 'none'}.`,
          'UNKNOWN_CLUSTER'
        );
      }
    });

    app.get<{ Querystring: { scope?: Scope; cluster?: string } }>(
      '/api/slurm/jobs',
      {
        schema: {
          querystring: {
            type: 'object',
            additionalProperties: false,
            properties: { scope: { enum: ['mine', 'all'] }, cluster }
          }
        }
      },
      async (request, reply) => {
        const answer = await slurm.queue(
          request.query.scope ?? 'mine',
          request.query.cluster
        );
        reply.header('etag', answer.etag).header('cache-control', 'no-cache');
        if (
          answer.status === 200 &&
          request.headers['if-none-match'] === answer.etag
        ) {
          return reply.status(304).send();
        }
        reply
          .status(answer.status)
          .type('application/json')
          .header('vary', 'accept-encoding');
        // Compressed once per refresh by the poller, whoever asks.
        if (/\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''))) {
          return reply.header('content-encoding', 'gzip').send(answer.gzip);
        }
        return reply.send(answer.body);
      }
    );

    app.get<{ Params: { jobId: string }; Querystring: { cluster?: string } }>(
      '/api/slurm/jobs/:jobId',
      {
        schema: {
          params: jobIdParams,
          querystring: {
            type: 'object',
            additionalProperties: false,
            properties: { cluster }
          }
        }
      },
      async request => slurm.detail(request.params.jobId, request.query.cluster)
    );

    app.post<{ Body: { action: Action; jobIds: string[]; cluster?: string } }>(
      '/api/slurm/jobs/actions',
      {
        schema: {
          body: {
            type: 'object',
            required: ['action', 'jobIds'],
            additionalProperties: false,
            properties: {
              action: { enum: ['cancel', 'hold', 'release', 'requeue'] },
              jobIds: {
                type: 'array',
                minItems: 1,
                maxItems: 1000,
                items: { type: 'string', pattern: JOB_ID_PATTERN }
              },
              cluster
            }
          }
        }
        // Fastify's Ajv coerces types ("12" for 12, ["12"] for "12"): a
        // malformed list of ids must be refused, not acted on.
      },
      async request => ({
        results: await slurm.act(
          request.body.action,
          request.body.jobIds,
          request.body.cluster
        )
      })
    );

    // Submit and preview take the same body, validated the same way.
    const submitSchema = { schema: { body: submitBody } };
    app.post<{ Body: ISubmitRequest }>(
      '/api/slurm/jobs',
      submitSchema,
      async (request, reply) =>
        reply.status(201).send(await slurm.submit(request.body))
    );
    app.post<{ Body: ISubmitRequest }>(
      '/api/slurm/jobs/preview',
      submitSchema,
      async request => slurm.preview(request.body)
    );

    app.get<{
      Params: { jobId: string };
      Querystring: { stream?: 'stdout' | 'stderr'; offset?: number };
    }>(
      '/api/slurm/jobs/:jobId/output',
      {
        schema: {
          params: jobIdParams,
          querystring: {
            type: 'object',
            additionalProperties: false,
            properties: {
              stream: { enum: ['stdout', 'stderr'] },
              offset: { type: 'integer', minimum: 0 }
            }
          }
        }
      },
      async (request, reply) => {
        const out = await slurm.output(
          request.params.jobId,
          request.query.stream ?? 'stdout',
          request.query.offset ?? 0
        );
        return reply
          .header('x-next-offset', String(out.nextOffset))
          .header('x-output-path', encodeURIComponent(out.path))
          .header('x-output-size', String(out.size))
          .type('text/plain; charset=utf-8')
          .send(out.text);
      }
    );

    app.get<{ Querystring: { days?: number } }>(
      '/api/slurm/history',
      {
        schema: {
          querystring: {
            type: 'object',
            additionalProperties: false,
            properties: { days: { type: 'integer', minimum: 1, maximum: 90 } }
          }
        }
      },
      async request => slurm.history(request.query.days ?? 7)
    );

    app.get('/api/slurm/partitions', async () => ({
      partitions: await slurm.partitions()
    }));
    app.get('/api/slurm/profiles', async () => ({
      profiles: slurm.profiles()
    }));
  };
}
