// The contract between the alarm center and the web console: HTTP request and reply schemas and
// the WebSocket stream's messages, with their inferred types. No I/O lives here; the server
// validates with these schemas and the console imports the types (and the vocabulary) by name.

export * from './alarms.ts';
export * from './devices.ts';
export * from './grants.ts';
export * from './incidents.ts';
export * from './nightshift.ts';
export * from './residents.ts';
export * from './responders.ts';
export * from './settings.ts';
export * from './supervision.ts';
export * from './vocabulary.ts';
export * from './voice.ts';
