// The console's WebSocket to /api/stream: connects, parses messages, and reconnects with backoff
// for as long as the operator is logged in. Connection state is reported so the UI can show a
// banner the moment alarms might not be arriving.

import type { StreamMessage } from '@trygg/console-contract';
import { reconnectDelayMs } from './backoff.ts';

export type ConnectionState = 'connecting' | 'open' | 'down';

export interface LiveStreamHandlers {
  onMessage: (msg: StreamMessage) => void;
  onState: (state: ConnectionState, since: number) => void;
  /** The server refused the session (close code 4401): the operator must log in again. */
  onUnauthorized: () => void;
}

const CLOSE_UNAUTHORIZED = 4401;

export class LiveStream {
  private socket: WebSocket | null = null;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;
  private readonly handlers: LiveStreamHandlers;
  private readonly url: string;

  constructor(handlers: LiveStreamHandlers, url = LiveStream.defaultUrl()) {
    this.handlers = handlers;
    this.url = url;
  }

  static defaultUrl(): string {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    return `${scheme}//${location.host}/api/stream`;
  }

  start(): void {
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const s = this.socket;
    this.socket = null;
    s?.close(1000, 'logout');
  }

  /** Skips the backoff wait, e.g. when the browser reports it is online again. */
  reconnectNow(): void {
    if (this.stopped || this.socket) return;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.connect();
  }

  private connect(): void {
    this.handlers.onState('connecting', Date.now());
    let socket: WebSocket;
    try {
      socket = new WebSocket(this.url);
    } catch {
      this.scheduleRetry();
      return;
    }
    this.socket = socket;
    socket.onmessage = (ev) => {
      if (typeof ev.data !== 'string') return;
      let msg: StreamMessage;
      try {
        msg = JSON.parse(ev.data) as StreamMessage;
      } catch {
        console.error('stream: unparseable message dropped');
        return;
      }
      if (msg.type === 'hello') {
        // Only a snapshot proves we are caught up; until then the banner stays.
        this.attempt = 0;
        this.handlers.onState('open', Date.now());
      }
      this.handlers.onMessage(msg);
    };
    socket.onclose = (ev) => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (this.stopped) return;
      if (ev.code === CLOSE_UNAUTHORIZED) {
        this.handlers.onUnauthorized();
        return;
      }
      this.handlers.onState('down', Date.now());
      this.scheduleRetry();
    };
    // Errors are always followed by close, which does the bookkeeping.
    socket.onerror = () => {};
  }

  private scheduleRetry(): void {
    if (this.stopped) return;
    const delay = reconnectDelayMs(this.attempt++, Math.random());
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect();
    }, delay);
  }
}
