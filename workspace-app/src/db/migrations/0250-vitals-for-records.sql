-- The patient record takes connector vital signs from the timeline; its regular pass reads only the
-- vital-sign events received lately, found through this index instead of a scan of every event.
CREATE INDEX timeline_events_vitals_by_received ON timeline_events (received_at) WHERE vitals IS NOT NULL;
