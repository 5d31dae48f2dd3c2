-- Which network path a unit uses (issue 18: outages grouped by gateway and carrier, not only by
-- district): the mobile carrier it reports in its heartbeats, and the SCAIP gateway instance that
-- last relayed its heartbeat. Written behind with the rest of device health; NULL until heard.
ALTER TABLE devices ADD COLUMN carrier text, ADD COLUMN gateway text;
