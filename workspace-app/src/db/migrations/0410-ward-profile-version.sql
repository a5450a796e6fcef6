-- Bed managers now edit a ward's whole profile (procedures, infections, isolation rooms, charges, stay,
-- wait, patients taken), not only its free beds. Searches keep profiles in memory; this counter, read
-- with the free-bed figures at every search, tells every portal instance that a profile changed.
ALTER TABLE transfer_wards ADD COLUMN profile_version integer NOT NULL DEFAULT 1 CHECK (profile_version >= 1);
