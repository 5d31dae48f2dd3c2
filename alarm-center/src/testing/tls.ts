// The broker package's throwaway certificate, for the alarm center's HTTPS and MQTT-over-TLS tests.

export { selfSignedCertificate, type TestCertificate } from '@trygg/broker/testing';
