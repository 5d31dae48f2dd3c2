// RTP and RFC 4733 DTMF packets live in firmware-protocol (the unit's side, device-sim's simulated
// base unit, builds the same packets); re-exported so the gateway's modules keep their import.

export {
  buildRtp,
  type DtmfEvent,
  dtmfDigit,
  dtmfEventCode,
  dtmfPackets,
  dtmfPayload,
  parseDtmfPayload,
  parseRtp,
  type RtpPacket,
} from '@trygg/firmware-protocol';
