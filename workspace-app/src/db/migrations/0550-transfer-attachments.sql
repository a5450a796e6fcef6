-- Photos and documents of the patient's record that the requester sends with a transfer request (a 診療情報提供書,
-- an お薬手帳 page, a wound photo). The care team and the requester see them; an asked hospital sees them only
-- while the patient's consent to send documents covers it, decided when it looks.
CREATE TABLE transfer_request_attachments (
  request_id uuid NOT NULL REFERENCES transfer_requests (id),
  attachment_id uuid NOT NULL REFERENCES attachments (id),
  added_by text NOT NULL,
  added_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (request_id, attachment_id)
);
