// Keyboard-first operation: the bindings per view, in one table that both the key handler and
// the help overlay (`?`) read, so the help can never disagree with what the keys do.

import type { MessageKey } from '../i18n/i18n.tsx';

export type QueueCommand = 'down' | 'up' | 'open' | 'acknowledge' | 'next';
export type AlarmCommand = 'acknowledge' | 'note' | 'dispatch' | 'close' | 'back' | 'next';
export type VoiceCommand = 'answer' | 'listen' | 'talk' | 'hangup' | 'callBack';

export const QUEUE_KEYS: Record<string, QueueCommand> = {
  j: 'down',
  ArrowDown: 'down',
  k: 'up',
  ArrowUp: 'up',
  Enter: 'open',
  a: 'acknowledge',
  g: 'next',
};

export const ALARM_KEYS: Record<string, AlarmCommand> = {
  a: 'acknowledge',
  n: 'note',
  d: 'dispatch',
  c: 'close',
  Escape: 'back',
  g: 'next',
};

/** The alarm view's voice call (VoiceCallPanel): beside ALARM_KEYS, so no key is in both. */
export const VOICE_KEYS: Record<string, VoiceCommand> = {
  s: 'answer',
  l: 'listen',
  t: 'talk',
  h: 'hangup',
  r: 'callBack',
};

/** What the help overlay lists, in order: key labels and the message describing them. */
export const HELP: readonly { keys: readonly string[]; label: MessageKey }[] = [
  { keys: ['j', '↓'], label: 'help.down' },
  { keys: ['k', '↑'], label: 'help.up' },
  { keys: ['Enter'], label: 'help.open' },
  { keys: ['a'], label: 'help.acknowledge' },
  { keys: ['g'], label: 'help.next' },
  { keys: ['n'], label: 'help.note' },
  { keys: ['d'], label: 'help.dispatch' },
  { keys: ['c'], label: 'help.closeAlarm' },
  { keys: ['r'], label: 'help.voiceCallBack' },
  { keys: ['s'], label: 'help.voiceAnswer' },
  { keys: ['l'], label: 'help.voiceListen' },
  { keys: ['t'], label: 'help.voiceTalk' },
  { keys: ['h'], label: 'help.voiceHangUp' },
  { keys: ['Esc'], label: 'help.back' },
  { keys: ['?'], label: 'help.toggle' },
];

/** Keys typed into a form field belong to the field, not to the shortcuts. */
export function isTypingTarget(target: EventTarget | null): boolean {
  if (!target || typeof (target as Element).tagName !== 'string') return false;
  const el = target as HTMLElement;
  const tag = el.tagName;
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || el.isContentEditable;
}

export function hasModifier(ev: { ctrlKey: boolean; metaKey: boolean; altKey: boolean }): boolean {
  return ev.ctrlKey || ev.metaKey || ev.altKey;
}
