// The SCAIP gateway: SIP MESSAGE receiver for SCAIP social alarms, mapping each `mrq` onto our own
// device protocol and publishing it into the broker as the corresponding device.

export {
  type AuthOptions,
  type ControllerAuth,
  type ControllerCredentials,
  createControllerAuth,
  type DigestAlgorithm,
} from './auth.ts';
export { type Bridge, type BridgeMode, type BridgeOptions, type BridgeStats, openBridge } from './bridge.ts';
export { type BridgeApi, startBridgeApi } from './bridge-api.ts';
export {
  CallBook,
  type CallBookOptions,
  type CallDecision,
  type CallNotice,
  type CallState,
  type MrsVoice,
  type VoiceCall,
} from './calls.ts';
export { controllerCredentialsSchema, type GatewayConfig, loadConfig } from './config.ts';
export { DEFAULT_DEDUPE_TTL_MS, DedupeCache } from './dedupe.ts';
export { GATEWAY_REJECTIONS, type GatewayRejection, type ScaipRejection } from './errors.ts';
export {
  type ControllerRegistry,
  createScaipHandler,
  type GatewayLogger,
  type GatewayStats,
  type HandlerOptions,
  type Peer,
  type ScaipHandler,
} from './handler.ts';
export {
  DEFAULT_DEDUPE_WINDOW_MS,
  DEFAULT_HEARTBEAT_INTERVAL_S,
  type MappedMessage,
  type MapResult,
  mapScaipRequest,
  SCAIP_BATTERY_LOW_LEVEL,
  SCAIP_DEFAULT_ACCURACY_M,
  scaipDeviceId,
  scaipMessageId,
  scaipRetransmissionKey,
} from './map.ts';
export { createGatewayMetrics, type GatewayMetrics } from './metrics.ts';
export { connectPublisher, type Publisher, type PublisherOptions } from './mqtt-publisher.ts';
export {
  DEFAULT_CONTROLLER_CACHE_TTL_MS,
  type PgControllerRegistryOptions,
  pgControllerRegistry,
} from './pg-controllers.ts';
export {
  CallRecorder,
  type MediaTap,
  Recordings,
  readWav,
  toneShare,
  WARNING_TONE,
} from './recorder.ts';
export {
  MAX_MRQ_BYTES,
  type MrsVoiceTags,
  mrsXml,
  parseMrq,
  type ScaipGeo,
  type ScaipParseResult,
  type ScaipRequest,
} from './scaip.ts';
export {
  DEFAULT_STREAM_LIMITS,
  type Gateway,
  type GatewayOptions,
  type GatewayVoice,
  openFileLimit,
  type StreamLimits,
  type StreamStats,
  startGateway,
  streamCapacity,
  type VoiceOptions,
} from './server.ts';
export {
  buildResponse,
  headerValue,
  parseSipRequest,
  parseSipResponse,
  type SipRequest,
  type SipResponse,
  SipStreamFramer,
} from './sip.ts';
export type { CallControl, VoiceDialogs } from './voice.ts';
