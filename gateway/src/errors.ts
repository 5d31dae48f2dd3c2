// The gateway's rejection catalogue: why a SCAIP request was refused, with the SIP status and the
// SCAIP status number (`snu`) it is answered with. Rejections are counted and logged by these codes.

import { SCAIP_RESPONSE_STATUS } from '@trygg/firmware-protocol';

export const GATEWAY_REJECTIONS = {
  SIP_MALFORMED: { sip: 400, snu: null, message: 'not a parseable SIP request' },
  SIP_TOO_LARGE: { sip: 413, snu: null, message: 'SIP message exceeds the size limit' },
  SIP_METHOD_NOT_ALLOWED: {
    sip: 405,
    snu: null,
    message: 'only MESSAGE and OPTIONS (and, with voice, INVITE/ACK/BYE/CANCEL) are accepted',
  },
  SIP_UNSUPPORTED_MEDIA: { sip: 415, snu: null, message: 'body is not application/scaip+xml' },
  TOO_LONG: { sip: 200, snu: SCAIP_RESPONSE_STATUS.TOO_LONG, message: 'mrq body exceeds the size limit' },
  INVALID_FORMAT: { sip: 200, snu: SCAIP_RESPONSE_STATUS.INVALID_FORMAT, message: 'mrq body is not a valid mrq' },
  WRONG_CONTENT: { sip: 200, snu: SCAIP_RESPONSE_STATUS.WRONG_CONTENT, message: 'mrq carries codes we do not map' },
  MANDATORY_TAG_MISSING: {
    sip: 200,
    snu: SCAIP_RESPONSE_STATUS.MANDATORY_TAG_MISSING,
    message: 'mrq lacks a mandatory tag',
  },
  EVENT_NOT_FOR_DEVICE_TYPE: {
    sip: 200,
    snu: SCAIP_RESPONSE_STATUS.NOT_TREATED,
    message: 'the unit is registered as a device type this event does not belong to',
  },
  AUTH_REQUIRED: { sip: 401, snu: null, message: 'no (or a stale) digest: challenged' },
  AUTH_FAILED: { sip: 401, snu: null, message: 'the digest response does not prove the controller secret' },
  AUTH_FORBIDDEN: {
    sip: 403,
    snu: null,
    message: 'no credentials for this controller, or another controller authenticated',
  },
  SOURCE_NOT_ALLOWED: { sip: 403, snu: null, message: 'the request comes from an address the policy refuses' },
  UNKNOWN_CONTROLLER: { sip: 403, snu: null, message: 'controller id is not provisioned' },
  REGISTRY_UNAVAILABLE: { sip: 503, snu: null, message: 'the controller registry could not be asked' },
  PUBLISH_FAILED: { sip: 503, snu: null, message: 'the broker did not acknowledge the event' },
  SDP_MALFORMED: { sip: 400, snu: null, message: 'the INVITE carries no usable SDP offer' },
  SDP_CODEC_UNSUPPORTED: { sip: 488, snu: null, message: 'the offer has no G.711 (PCMU/PCMA) over RTP/AVP' },
  CALL_NOT_EXPECTED: {
    sip: 480,
    snu: null,
    message: 'the controller has no alarm whose call is pending (none, or its window passed)',
  },
  CALL_ON_OTHER_INSTANCE: {
    sip: 480,
    snu: null,
    message: "the INVITE names another gateway instance's tnu: the call lives on that instance",
  },
  CALL_BUSY: { sip: 486, snu: null, message: "the controller's call is already active" },
  CALL_UNKNOWN: { sip: 481, snu: null, message: 'no such call (dialog)' },
  // a call-back (our INVITE to the unit): the status is the unit's, not one we answer
  CALLBACK_REFUSED: { sip: null, snu: null, message: 'the unit refused our call-back INVITE (4xx-6xx)' },
  CALLBACK_NO_ANSWER: { sip: null, snu: null, message: 'the unit never answered our call-back INVITE' },
  CALLBACK_AUTH_UNANSWERABLE: {
    sip: null,
    snu: null,
    message: 'the unit challenged our call-back and no secret is configured for it',
  },
  CALLBACK_ANSWER_UNUSABLE: {
    sip: null,
    snu: null,
    message: "the unit's 200 OK to our call-back has malformed SDP or no G.711: BYE sent",
  },
} as const;

export type GatewayRejection = keyof typeof GATEWAY_REJECTIONS;

/** SCAIP-level refusals, i.e. those answered with a 200 OK carrying an error `snu`. */
export type ScaipRejection =
  | 'TOO_LONG'
  | 'INVALID_FORMAT'
  | 'WRONG_CONTENT'
  | 'MANDATORY_TAG_MISSING'
  | 'EVENT_NOT_FOR_DEVICE_TYPE';
