-- Case facts now carry what the stage clock needs (pauses, the hearing's date, the appeal
-- deadline), so reports can count overdue cases as they stood at a period's end. Facts
-- written before lack them: clearing them makes the server rebuild the read models at its
-- next start, as it does for rows that predate facts.
UPDATE cases SET facts = NULL;
