// The logger shape every gateway module takes (pino's, narrowed), in a module of its own so the
// SIP steps can share it without importing the handler.

import type { Logger } from 'pino';

export type GatewayLogger = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;
