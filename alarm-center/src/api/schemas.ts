// The alarm center's HTTP and WebSocket contract now lives in @trygg/console-contract; this file
// re-exports it so existing imports keep working while alarm-center is reorganised.

export * from '@trygg/console-contract';
