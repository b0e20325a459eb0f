"""The jobs database's schema, as numbered migrations.

``PRAGMA user_version`` records how many have run; ``JobStore.open`` runs the rest.
Append only: a released migration is never edited.
"""

from __future__ import annotations

from collections.abc import Sequence

MIGRATIONS: Sequence[str] = (
    """
    CREATE TABLE jobs (
        id TEXT PRIMARY KEY,
        guild_id INTEGER NOT NULL,
        channel_id INTEGER NOT NULL,
        user_id INTEGER NOT NULL,
        provider TEXT NOT NULL,
        request TEXT NOT NULL,
        state TEXT NOT NULL,
        vendor_task_id TEXT,
        polls INTEGER NOT NULL DEFAULT 0,
        failure TEXT,
        failure_code TEXT NOT NULL DEFAULT '',
        failure_detail TEXT NOT NULL DEFAULT '',
        progress_message_id INTEGER,
        result_message_id INTEGER,
        delivery_started INTEGER NOT NULL DEFAULT 0,
        upload_limit INTEGER,
        created_at REAL NOT NULL,
        deadline_at REAL NOT NULL,
        submitted_at REAL,
        last_poll_at REAL,
        finished_at REAL,
        closed_at REAL
    );
    CREATE INDEX jobs_open ON jobs (created_at) WHERE closed_at IS NULL;
    CREATE INDEX jobs_by_user ON jobs (user_id, closed_at);
    CREATE TABLE tracks (
        job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        data TEXT NOT NULL,
        PRIMARY KEY (job_id, position)
    );
    """,
    """
    ALTER TABLE jobs ADD COLUMN callback_token TEXT;
    CREATE TABLE callback_events (
        event_id TEXT PRIMARY KEY,
        job_id TEXT NOT NULL,
        received_at REAL NOT NULL
    );
    """,
    """
    ALTER TABLE jobs ADD COLUMN parent_job_id TEXT;
    ALTER TABLE jobs ADD COLUMN parent_track INTEGER;
    ALTER TABLE jobs ADD COLUMN parent_link TEXT;
    ALTER TABLE jobs ADD COLUMN files TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE jobs ADD COLUMN deleted_at REAL;
    CREATE INDEX jobs_by_result ON jobs (result_message_id);
    CREATE INDEX jobs_recent ON jobs (guild_id, user_id, created_at);
    CREATE TABLE reposts (
        message_id INTEGER PRIMARY KEY,
        channel_id INTEGER NOT NULL,
        job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE
    );
    CREATE INDEX reposts_by_job ON reposts (job_id);
    """,
    """
    ALTER TABLE jobs ADD COLUMN submit_started_at REAL;
    ALTER TABLE jobs ADD COLUMN submit_callback INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE jobs ADD COLUMN possible_duplicate INTEGER NOT NULL DEFAULT 0;
    """,
    """
    ALTER TABLE jobs ADD COLUMN next_check_at REAL NOT NULL DEFAULT 0;
    ALTER TABLE jobs ADD COLUMN callbacks_stalled INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE jobs ADD COLUMN adopt_until REAL;
    CREATE INDEX jobs_due ON jobs (next_check_at) WHERE closed_at IS NULL;
    """,
    # A server's jobs of the last day, read under the write lock by every request
    # when a server quota is set. Measured on 200,000 jobs, 1,440 of them in the
    # last day: 22 ms without this index, 6 ms with it.
    """
    CREATE INDEX jobs_by_guild_time ON jobs (guild_id, created_at);
    """,
    # What each job cost (bot.jobs.costs); the month's spending of a server is
    # read under the write lock by every request when a budget is set.
    """
    ALTER TABLE jobs ADD COLUMN cost_usd REAL;
    ALTER TABLE jobs ADD COLUMN cost_credits REAL;
    CREATE INDEX jobs_by_guild_charge ON jobs (guild_id, submitted_at);
    CREATE TABLE budget_warnings (
        guild_id INTEGER NOT NULL,
        month TEXT NOT NULL,
        warned_at REAL NOT NULL,
        PRIMARY KEY (guild_id, month)
    );
    """,
    # A server's own blocked words and artist names (bot.moderation), on top of
    # the shipped default lists; terms are stored normalised.
    """
    CREATE TABLE blocked_terms (
        guild_id INTEGER NOT NULL,
        term TEXT NOT NULL,
        kind TEXT NOT NULL,
        PRIMARY KEY (guild_id, term)
    );
    """,
    # Each server's /settings (bot.jobs.guild_rules): one JSON value per key, over config.toml.
    """
    CREATE TABLE guild_settings (
        guild_id INTEGER NOT NULL,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (guild_id, key)
    );
    """,
    # The health check's write probe (bot.ops.health): one row, rewritten at each check.
    """
    CREATE TABLE heartbeat (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        at REAL NOT NULL
    );
    """,
    # When ``storage.retention_days`` purged a finished job's details (JobStore.purge_details).
    """
    ALTER TABLE jobs ADD COLUMN purged_at REAL;
    """,
    # Which attachment of a result is which (Job.attachments, JSON), for /song's re-post;
    # NULL for results posted before.
    """
    ALTER TABLE jobs ADD COLUMN attachments TEXT;
    """,
)
