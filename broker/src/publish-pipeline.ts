// Several publishes of one connection awaiting the publish hook at once, across socket reads.
// aedes 1.2.0 reads a connection's next bytes only once every packet of its previous read has been
// handled (lib/client.js, nextBatch): with the hook being the alarm center's commit, one gateway
// connection had one ingest transaction in flight, however many the group commit could run. Here,
// once a publish's hook has been started (its place in the order taken), the connection's next
// bytes are read in the next turn, while fewer than `maxPending` of its publishes await their hook.
// What stays: a publish is acknowledged only after its hook resolved, and the connection's
// PUBACKs (and a refusal's close) follow in the order the PUBLISHes came (MQTT-4.6.0-2): a later
// publish whose hook resolved first waits for the earlier ones. The hooks are started in arrival
// order, so a device's messages reach the alarm center in its order. The bound applies to these
// early reads only; aedes' own read after a whole read's packets were handled is as before.

import type { Client } from 'aedes';

/** What of aedes 1.2.0's client (pinned) this reads: its socket and its packet parser. */
interface ClientInternals {
  conn: { read(size?: number | null): Buffer | null; on(event: 'readable', listener: () => void): void };
  _parser: { parse(buf: Buffer): void };
  closed?: boolean;
  _paused?: boolean;
}

type Done = (err?: Error | null) => void;

interface Waiting {
  done: Done;
  settled: boolean;
  err: Error | null;
}

interface ConnectionState {
  readonly waiting: Waiting[];
  scheduled: boolean;
}

export class PublishPipeline {
  readonly #states = new WeakMap<Client, ConnectionState>();
  #peakPending = 0;

  constructor(private readonly maxPending: number) {}

  /** The most publishes of one connection that ever awaited their hook at once. */
  peakPending(): number {
    return this.#peakPending;
  }

  /**
   * Call as the publish's hook is started; returns what to call when it settled, which passes the
   * outcome on to aedes' `done` in arrival order.
   */
  started(client: Client, done: Done): Done {
    const state = this.#stateOf(client);
    const entry: Waiting = { done, settled: false, err: null };
    state.waiting.push(entry);
    this.#peakPending = Math.max(this.#peakPending, state.waiting.length);
    this.#readAhead(client, state);
    return (err) => {
      entry.settled = true;
      entry.err = err ?? null;
      const { waiting } = state;
      while (waiting.length > 0 && waiting[0]!.settled) {
        const first = waiting.shift()!;
        first.done(first.err);
      }
      this.#readAhead(client, state);
    };
  }

  #stateOf(client: Client): ConnectionState {
    let state = this.#states.get(client);
    if (!state) {
      const created: ConnectionState = { waiting: [], scheduled: false };
      state = created;
      this.#states.set(client, created);
      // bytes that arrive while publishes await their hook: aedes itself would not read them yet
      (client as unknown as ClientInternals).conn.on('readable', () => this.#readAhead(client, created));
    }
    return state;
  }

  // In the next turn, not now: this runs inside aedes' parse of the previous bytes.
  #readAhead(client: Client, state: ConnectionState): void {
    if (this.maxPending <= 1 || state.scheduled || state.waiting.length === 0) return;
    if (state.waiting.length >= this.maxPending) return;
    state.scheduled = true;
    setImmediate(() => {
      state.scheduled = false;
      const internals = client as unknown as ClientInternals;
      if (internals.closed || internals._paused) return;
      if (state.waiting.length === 0 || state.waiting.length >= this.maxPending) return;
      const buf = internals.conn.read(null);
      if (buf) internals._parser.parse(buf);
    });
  }
}
