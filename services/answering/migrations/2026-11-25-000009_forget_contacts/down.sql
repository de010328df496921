-- The removed contacts cannot be restored (notification keeps them).
SELECT 1;
