-- DATA-1 as practice uses it: two flags on a diagnosis instead of one.
--   未告知 (is_not_told): the patient has not been told. The care team's professionals see it, labelled;
--     nothing meant for the patient or family carries it.
--   未提供 (is_not_shared): not to be shared. Only the recording organisation sees it, its departments
--     included.
-- The old single flag hid a diagnosis outside its organisation; it becomes 未提供, so nothing hidden
-- before is shown now, and is also read as 未告知, so nothing hidden before loses its label.

-- An organisation's identity: its name without the department written after a space
-- (東京中央病院 地域連携室 → 東京中央病院), the rule `worksFor` already applies to care-team access.
CREATE FUNCTION organisation_identity(name text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  RETURN split_part(btrim(translate(name, U&'\3000', ' ')), ' ', 1);

ALTER TABLE patient_items RENAME COLUMN is_undisclosed TO is_not_shared;
ALTER TABLE patient_items ADD COLUMN is_not_told boolean NOT NULL DEFAULT false;
UPDATE patient_items SET is_not_told = is_not_shared WHERE is_not_shared;
ALTER TABLE patient_items ADD CONSTRAINT patient_items_flags_on_diagnoses
  CHECK (kind = 'diagnosis' OR NOT (is_not_told OR is_not_shared));
UPDATE patient_items
   SET data = (data - 'isUndisclosed')
       || jsonb_build_object('isNotToldToPatient', coalesce((data ->> 'isUndisclosed')::boolean, false),
                             'isNotShared', coalesce((data ->> 'isUndisclosed')::boolean, false))
 WHERE kind = 'diagnosis' AND data ? 'isUndisclosed';

-- The history is append-only; this one rewrite of its flags is the schema's, not a change of what was
-- recorded, so the guard steps aside for this transaction only.
ALTER TABLE patient_item_versions DISABLE TRIGGER patient_item_versions_append_only;
ALTER TABLE patient_item_versions RENAME COLUMN is_undisclosed TO is_not_shared;
ALTER TABLE patient_item_versions ADD COLUMN is_not_told boolean NOT NULL DEFAULT false;
UPDATE patient_item_versions SET is_not_told = is_not_shared WHERE is_not_shared;
UPDATE patient_item_versions
   SET data = (data - 'isUndisclosed')
       || jsonb_build_object('isNotToldToPatient', coalesce((data ->> 'isUndisclosed')::boolean, false),
                             'isNotShared', coalesce((data ->> 'isUndisclosed')::boolean, false))
 WHERE data ? 'isUndisclosed';
ALTER TABLE patient_item_versions ENABLE TRIGGER patient_item_versions_append_only;
