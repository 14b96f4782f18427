/**
 * The gallery routes (server-proxy/API.md, "Gallery"): the list of examples
 * with the catalogue problems, an entry notebook for preview, a thumbnail.
 * Ids are validated by schema (400) before the catalogue is consulted.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { IServices } from '../app';
import { EXAMPLE_ID_PATTERN } from './catalogue';

const idParams = {
  type: 'object',
  required: ['id'],
  additionalProperties: false,
  properties: { id: { type: 'string', pattern: EXAMPLE_ID_PATTERN } }
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
