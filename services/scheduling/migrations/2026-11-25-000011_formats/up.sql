-- The forms a dialogue takes (Decision 5087/QĐ-UBND): a conference (hội nghị), a seminar
-- (tọa đàm) or a meeting (gặp gỡ).
ALTER TABLE conferences ADD COLUMN format TEXT NOT NULL DEFAULT 'hoi_nghi'
    CONSTRAINT conferences_format_known CHECK (format IN ('hoi_nghi', 'toa_dam', 'gap_go'));
