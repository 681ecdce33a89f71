-- Migration 2: the org a list came from, and what a call sends to Salesforce.
--
-- `lists.instance_url` is the instance the report ran on (no trailing
-- slash). `push` sends only the calls of lists from the org it is connected
-- to, so ids loaded from one org never reach another. Lists loaded before
-- this migration have NULL and are pushed by whichever org `push` runs for:
-- the only safe guess left for them.
ALTER TABLE lists ADD COLUMN instance_url TEXT;

-- The workflow is applied when the call is logged and frozen here, so a
-- later change of `config.toml` never rewrites a call already recorded:
--
-- task            JSON object of the Task fields the outcome sets (Subject,
--                 Status, CallDisposition, CallType, Priority, extras); the
--                 push adds the person, dates, notes and `CallObject`
-- follow_up       JSON object of the follow-up Task's fields, or NULL
-- person_update   JSON object of fields to set on the Contact or Lead, or NULL
--
-- Progress of the three writes, each set once Salesforce confirmed it:
--
-- salesforce_id      the call's Task (migration 1)
-- follow_up_id       the follow-up Task
-- person_updated_at  the update of the person
--
-- `synced_at` is set when every write the call needs is confirmed; `error`
-- holds Salesforce's refusal of the last attempt (the call is "failed" until
-- `push --retry-failed` sends it again). `attempted_at` set with
-- `synced_at` NULL still means the answer to a create was lost.
ALTER TABLE calls ADD COLUMN task TEXT NOT NULL DEFAULT '{}';
ALTER TABLE calls ADD COLUMN follow_up TEXT;
ALTER TABLE calls ADD COLUMN person_update TEXT;
ALTER TABLE calls ADD COLUMN follow_up_id TEXT;
ALTER TABLE calls ADD COLUMN person_updated_at TEXT;

-- `push` takes pending calls in the order they were logged.
CREATE INDEX calls_pending ON calls (recorded_at)
    WHERE synced_at IS NULL AND error IS NULL;
