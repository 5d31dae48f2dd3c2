// The standalone broker's message emitter: aedes' own (mqemitter, with the options aedes gives it)
// with its subscription matches remembered per topic. mqemitter matches every message's topic
// against its subscription trie (qlobber splits the topic into words and walks them), although
// the subscriptions change only when a client subscribes, unsubscribes or leaves, and a device
// publishes on the same few topics again and again. A match is kept until the next change of the
// trie; at most MAX_REMEMBERED topics are kept, then all are forgotten at once. Cluster mode uses
// mqemitter-redis as before.

import mqemitter from 'mqemitter';

/** Topics whose matches are kept: beyond it (many devices each on its own topic), start afresh. */
export const MAX_REMEMBERED = 10_000;

type Matches = unknown[];

/** What of mqemitter 7's emitter this uses: its qlobber (add, remove, match, clear). */
interface MatcherInternals {
  add(topic: string, value: unknown): unknown;
  remove(topic: string, value?: unknown): unknown;
  match(topic: string, ctx?: unknown): Matches;
  clear(): unknown;
}

export type MessageEmitter = ReturnType<typeof mqemitter>;
type EmitterOptions = NonNullable<Parameters<typeof mqemitter>[0]>;

/** What aedes 1.2.0 gives its default emitter: concurrency 100, matchEmptyLevels [MQTT-4.7.1-3]. */
const AEDES_DEFAULTS: EmitterOptions = { concurrency: 100, matchEmptyLevels: true };

/** mqemitter with its matches kept per topic. */
export function memoryEmitter(options: EmitterOptions = AEDES_DEFAULTS): MessageEmitter {
  const mq = mqemitter({ ...options });
  const matcher = (mq as unknown as { _matcher: MatcherInternals })._matcher;
  const remembered = new Map<string, Matches>();
  const { add, remove, match, clear } = matcher;
  // mqemitter and fastparallel only read a match; a kept one is shared by the messages of its topic.
  matcher.match = function rememberedMatch(topic, ctx) {
    if (ctx !== undefined) return match.call(this, topic, ctx);
    let matches = remembered.get(topic);
    if (matches === undefined) {
      matches = match.call(this, topic);
      if (remembered.size >= MAX_REMEMBERED) remembered.clear();
      remembered.set(topic, matches);
    }
    return matches;
  };
  matcher.add = function (topic, value) {
    remembered.clear();
    return add.call(this, topic, value);
  };
  matcher.remove = function (topic, value) {
    remembered.clear();
    return remove.call(this, topic, value);
  };
  matcher.clear = function () {
    remembered.clear();
    return clear.call(this);
  };
  return mq;
}
