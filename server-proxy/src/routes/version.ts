/**
 * `GET api/version` (the frontend's handshake) and
 * `POST api/capabilities/refresh` (detect again now).
 */
import type { FastifyPluginAsync } from 'fastify';
import { userInfo } from 'os';
import type { IServices } from '../app';
import { API_VERSION, SERVER_NAME, SERVER_VERSION } from '../version';

const emptyQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {}
} as const;

export function versionRoutes(services: IServices): FastifyPluginAsync {
  // Whose jobs "mine" means (squeue --me): the user the server runs as.
  const user = userInfo().username;
  return async app => {
    const describe = async (refresh: boolean) => ({
      name: SERVER_NAME,
      version: SERVER_VERSION,
      apiVersion: API_VERSION,
      user,
      capabilities: await services.capabilities.get(refresh)
    });

    app.get('/api/version', { schema: { querystring: emptyQuery } }, async () =>
      describe(false)
    );

    app.post(
      '/api/capabilities/refresh',
      { schema: { querystring: emptyQuery } },
      async () => describe(true)
    );
  };
}
