-- Staff actions now say which role the actor acted in (operations, lab, supervisor), so
-- the audit trail shows not only who recorded something but under what authority.
-- NULL for system events and for events recorded before roles existed.
ALTER TABLE journey_events ADD COLUMN actor_role text;
