/**
 * This extension's version, compared with the server's in the start-up
 * handshake. A unit test keeps it equal to package.json's.
 */
export const FRONTEND_VERSION = '0.1.0';

/** The API generation this frontend speaks. */
export const API_VERSION = 1;
