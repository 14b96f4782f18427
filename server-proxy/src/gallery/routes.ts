/**
 * The gallery routes (server-proxy/API.md, "Gallery"): the list of examples
 * with the catalogue problems, an entry notebook for preview, a thumbnail.
 * Ids are validated by schema (400) before the catalogue is consulted.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { IServices } from '../app';
import { errors } from '../errors';
import { EXAMPLE_ID_PATTERN } from './catalogue';
import { TASK_ID_PATTERN } from './tasks';

const idParams = {
  type: 'object',
  required: ['id'],
  additionalProperties: false,
  properties: { id: { type: 'string', pattern: EXAMPLE_ID_PATTERN } }
} as const;

const taskParams = {
  type: 'object',
  required: ['taskId'],
  additionalProperties: false,
  properties: { taskId: { type: 'string', pattern: TASK_ID_PATTERN } }
} as const;

const useBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    destination: {
      type: 'string',
      minLength: 1,
      maxLength: 1024,
      pattern: '^[^\\u0000\\\\]*$'
    }
  }
} as const;

const noQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {}
} as const;

export function galleryRoutes(services: IServices): FastifyPluginAsync {
  const gallery = services.gallery;
  return async app => {
    // Every gallery answer: the browser must never guess a type.
    app.addHook('onSend', async (_request, reply) => {
      reply.header('x-content-type-options', 'nosniff');
    });

    app.get('/api/gallery', { schema: { querystring: noQuery } }, async () =>
      gallery.list()
    );

    app.get<{ Params: { id: string } }>(
      '/api/gallery/:id/preview',
      { schema: { params: idParams, querystring: noQuery } },
      async (request, reply) => {
        const text = await gallery.preview(request.params.id);
        // As written (outputs untouched): the frontend renders it untrusted.
        return reply.type('application/json; charset=utf-8').send(text);
      }
    );

    app.post<{ Params: { id: string }; Body: { destination?: string } | null }>(
      '/api/gallery/:id/use',
      {
        schema: {
          params: idParams,
          querystring: noQuery,
          body: { oneOf: [useBody, { type: 'null' }] }
        }
      },
      async (request, reply) => {
        const task = await gallery.use(
          request.params.id,
          request.body?.destination
        );
        return reply.code(202).send(task);
      }
    );

    app.post<{ Params: { id: string }; Body: { path: string } }>(
      '/api/gallery/:id/update',
      {
        schema: {
          params: idParams,
          querystring: noQuery,
          body: {
            type: 'object',
            required: ['path'],
            additionalProperties: false,
            properties: {
              path: { type: 'string', minLength: 1, maxLength: 4096 }
            }
          }
        }
      },
      async (request, reply) =>
        reply
          .code(202)
          .send(await gallery.update(request.params.id, request.body.path))
    );

    const sidParams = {
      type: 'object',
      required: ['sid'],
      additionalProperties: false,
      properties: { sid: { type: 'string', pattern: EXAMPLE_ID_PATTERN } }
    } as const;

    app.post<{
      Body: {
        path: string;
        title?: string;
        description?: string;
        tags?: string[];
      };
    }>(
      '/api/gallery/submissions',
      {
        schema: {
          querystring: noQuery,
          body: {
            type: 'object',
            required: ['path'],
            additionalProperties: false,
            properties: {
              path: { type: 'string', minLength: 1, maxLength: 4096 },
              title: { type: 'string', maxLength: 200 },
              description: { type: 'string', maxLength: 10000 },
              tags: {
                type: 'array',
                maxItems: 50,
                items: { type: 'string', minLength: 1, maxLength: 64 }
              }
            }
          }
        }
      },
      async (request, reply) =>
        reply.code(201).send(await gallery.submissions.submit(request.body))
    );

    app.delete<{ Params: { sid: string } }>(
      '/api/gallery/submissions/:sid',
      { schema: { params: sidParams, querystring: noQuery } },
      async (request, reply) => {
        await gallery.submissions.withdraw(request.params.sid);
        return reply.code(204).send();
      }
    );

    app.post<{
      Params: { sid: string };
      Body: { decision: 'approve' | 'reject'; note?: string };
    }>(
      '/api/gallery/submissions/:sid/review',
      {
        schema: {
          params: sidParams,
          querystring: noQuery,
          body: {
            type: 'object',
            required: ['decision'],
            additionalProperties: false,
            properties: {
              decision: { enum: ['approve', 'reject'] },
              note: { type: 'string', maxLength: 10000 }
            }
          }
        }
      },
      async request =>
        gallery.submissions.review(
          request.params.sid,
          request.body.decision,
          request.body.note ?? ''
        )
    );

    app.get(
      '/api/gallery/tasks',
      { schema: { querystring: noQuery } },
      async () => ({
        tasks: gallery.tasks.list()
      })
    );

    const unknownTask = (id: string) =>
      errors.notFound(
        `There is no gallery task ${id} (tasks are kept while the server runs, the last 50 finished ones): reload the gallery.`,
        'UNKNOWN_TASK'
      );

    app.get<{ Params: { taskId: string } }>(
      '/api/gallery/tasks/:taskId',
      { schema: { params: taskParams, querystring: noQuery } },
      async request => {
        const task = gallery.tasks.get(request.params.taskId);
        if (!task) {
          throw unknownTask(request.params.taskId);
        }
        return task;
      }
    );

    app.delete<{ Params: { taskId: string } }>(
      '/api/gallery/tasks/:taskId',
      { schema: { params: taskParams, querystring: noQuery } },
      async (request, reply) => {
        const id = request.params.taskId;
        const task = gallery.tasks.get(id);
        if (!task) {
          throw unknownTask(id);
        }
        if (task.state === 'running') {
          // Answers once the partial copy is gone.
          return reply.send(await gallery.tasks.cancel(id));
        }
        gallery.tasks.forget(id);
        return reply.code(204).send();
      }
    );

    app.get<{ Params: { id: string } }>(
      '/api/gallery/:id/thumbnail',
      { schema: { params: idParams, querystring: noQuery } },
      async (request, reply) => {
        const image = await gallery.thumbnail(request.params.id);
        if (image.type === 'image/svg+xml') {
          // Opened directly, an SVG is a document: no scripts, no fetches.
          reply.header(
            'content-security-policy',
            "default-src 'none'; style-src 'unsafe-inline'"
          );
        }
        return reply
          .header('cache-control', 'private, max-age=60')
          .type(image.type)
          .send(image.bytes);
      }
    );
  };
}
