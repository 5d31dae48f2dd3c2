-- The SCAIP gateway never used scaip_controllers or scaip_devices: a controller is provisioned as a
-- device (gateway/src/pg-controllers.ts reads devices), and no code reads or writes these tables.
-- Numbered 007, leaving 006 to a migration on another branch.
DROP TABLE IF EXISTS scaip_devices;
DROP TABLE IF EXISTS scaip_controllers;
