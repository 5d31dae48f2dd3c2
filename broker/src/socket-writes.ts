// Socket writes gathered per turn of the event loop. aedes writes every packet with its own
// cork/uncork (mqtt-packet uncorks on the next tick), and delivers each message in its own
// setImmediate, so a busy subscriber got one writev system call per message and a publisher one
// per PUBACK. Corked until the end of the turn, everything written to a socket in one turn leaves
// in one writev. Node's own cork: order, the write() return value and 'drain' are unchanged, so
// aedes' back-pressure on a slow client still works; a PUBACK is still written only after the
// publish hook resolved, it just leaves with the others of its turn.

import type { Writable } from 'node:stream';

export function coalesceWrites<S extends Writable>(socket: S): S {
  let corked = false;
  const flush = () => {
    corked = false;
    socket.uncork();
  };
  const write = socket.write;
  socket.write = function gatheredWrite(this: S, ...args: Parameters<S['write']>) {
    if (!corked) {
      corked = true;
      socket.cork();
      setImmediate(flush);
    }
    return write.apply(this, args);
  } as S['write'];
  return socket;
}
