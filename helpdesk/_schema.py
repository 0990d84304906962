"""The SQL schema, written once as numbered migrations for SQLite and PostgreSQL.

Statements use four placeholders a dialect fills in: `{serial}` (an auto-numbered
primary key), `{json}`, `{timestamp}` (UTC instants) and `{bool}`.  The invariants live
here as well as in the code: one open conversation per customer per channel (a partial
unique index) and one stored message per provider message id (a unique column).

Customers (version 3): a customer has an id of their own (`customers.id`) and one
identity per channel (`identities`: channel, address -> customer; an SMS identity also
keeps the number's country and whether it is a short code).  Version 3 turns the old
phone key into the id, so an SMS customer's id is their E.164 number and every row that
referred to them still does; a customer first seen on another channel gets the id
`<channel>:<address>` (`chat:user-42`), which no phone number can be.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    statements: tuple[str, ...]


SQLITE_TYPES: Mapping[str, str] = {
    "serial": "INTEGER PRIMARY KEY",
    "json": "TEXT",
    "timestamp": "TEXT",
    "bool": "INTEGER",
}
POSTGRES_TYPES: Mapping[str, str] = {
    "serial": "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
    "json": "JSONB",
    "timestamp": "TIMESTAMPTZ",
    "bool": "BOOLEAN",
}

MIGRATIONS_TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at {timestamp} NOT NULL)"
)

MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "customers, conversations, messages, notes, outbound markers, decision log",
        (
            "CREATE TABLE customers ("
            " phone TEXT PRIMARY KEY,"
            " country TEXT NOT NULL,"
            " short_code {bool} NOT NULL DEFAULT FALSE,"
            " attributes {json} NOT NULL DEFAULT '{{}}',"
            " opted_out {bool} NOT NULL DEFAULT FALSE,"
            " last_event_at {timestamp})",
            "CREATE TABLE conversations ("
            " seq {serial},"
            " customer TEXT NOT NULL REFERENCES customers (phone),"
            " channel TEXT NOT NULL,"
            " status TEXT NOT NULL CHECK (status IN ('open', 'closed')),"
            " started_by TEXT NOT NULL"
            "  CHECK (started_by IN ('customer', 'outbound_reply', 'teammate')),"
            " subject TEXT,"
            " assignee TEXT,"
            " tags {json} NOT NULL DEFAULT '[]',"
            " attributes {json} NOT NULL DEFAULT '{{}}',"
            " opened_at {timestamp} NOT NULL,"
            " closed_at {timestamp})",
            "CREATE UNIQUE INDEX conversations_one_open_sms ON conversations (customer)"
            " WHERE status = 'open' AND channel = 'sms'",
            "CREATE INDEX conversations_by_customer ON conversations (customer, status, closed_at)",
            "CREATE TABLE messages ("
            " seq {serial},"
            " provider_id TEXT NOT NULL UNIQUE,"
            " customer TEXT NOT NULL REFERENCES customers (phone),"
            " conversation_seq BIGINT REFERENCES conversations (seq),"
            " direction TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound')),"
            " body TEXT NOT NULL,"
            " media_types {json} NOT NULL DEFAULT '[]',"
            " attachments {json} NOT NULL DEFAULT '[]',"
            " segments INTEGER NOT NULL,"
            " at {timestamp} NOT NULL,"
            " out_of_order {bool} NOT NULL DEFAULT FALSE,"
            " automated {bool} NOT NULL DEFAULT FALSE)",
            "CREATE INDEX messages_by_conversation ON messages (conversation_seq, seq)",
            "CREATE TABLE notes ("
            " seq {serial},"
            " conversation_seq BIGINT NOT NULL REFERENCES conversations (seq),"
            " body TEXT NOT NULL,"
            " author TEXT NOT NULL,"
            " at {timestamp} NOT NULL)",
            "CREATE INDEX notes_by_conversation ON notes (conversation_seq, seq)",
            "CREATE TABLE outbound_markers ("
            " seq {serial},"
            " provider_id TEXT NOT NULL UNIQUE,"
            " customer TEXT NOT NULL REFERENCES customers (phone),"
            " sent_at {timestamp} NOT NULL,"
            " answered_by TEXT)",
            "CREATE INDEX outbound_markers_pending ON outbound_markers (customer, sent_at)"
            " WHERE answered_by IS NULL",
            "CREATE TABLE decision_log ("
            " seq {serial},"
            " event_id TEXT UNIQUE,"
            " customer TEXT NOT NULL,"
            " at {timestamp} NOT NULL,"
            " decision TEXT NOT NULL,"
            " rule TEXT NOT NULL,"
            " reason TEXT NOT NULL,"
            " conversation_seq BIGINT,"
            " closed {json} NOT NULL DEFAULT '[]',"
            " reopened TEXT,"
            " out_of_order {bool} NOT NULL DEFAULT FALSE)",
            "CREATE INDEX decision_log_by_conversation ON decision_log (conversation_seq, seq)",
        ),
    ),
    Migration(
        2,
        "workflow runs in the decision log; delivery status of outbound messages",
        (
            "CREATE TABLE workflow_runs ("
            " seq {serial},"
            " event_id TEXT NOT NULL,"
            " conversation_seq BIGINT,"
            " at {timestamp} NOT NULL,"
            " trigger TEXT NOT NULL,"
            " workflow TEXT NOT NULL,"
            " run {json} NOT NULL,"
            " UNIQUE (event_id, trigger))",
            "CREATE INDEX workflow_runs_by_conversation ON workflow_runs (conversation_seq, seq)",
            "ALTER TABLE messages ADD COLUMN status TEXT",
            "ALTER TABLE messages ADD COLUMN status_at {timestamp}",
            "ALTER TABLE messages ADD COLUMN sent_sid TEXT",
            "CREATE UNIQUE INDEX messages_by_sent_sid ON messages (sent_sid)"
            " WHERE sent_sid IS NOT NULL",
        ),
    ),
    Migration(
        3,
        "customers with an id of their own and one identity per channel; one open"
        " conversation per customer per channel",
        (
            # Renaming the key keeps the references of conversations, messages and
            # outbound markers (both databases follow a renamed column).
            "ALTER TABLE customers RENAME COLUMN phone TO id",
            "CREATE TABLE identities ("
            " channel TEXT NOT NULL,"
            " address TEXT NOT NULL,"
            " customer TEXT NOT NULL REFERENCES customers (id),"
            " country TEXT,"
            " short_code {bool} NOT NULL DEFAULT FALSE,"
            " PRIMARY KEY (channel, address))",
            "CREATE INDEX identities_by_customer ON identities (customer, channel)",
            "INSERT INTO identities (channel, address, customer, country, short_code)"
            " SELECT 'sms', id, id, country, short_code FROM customers",
            "ALTER TABLE customers DROP COLUMN country",
            "ALTER TABLE customers DROP COLUMN short_code",
            "DROP INDEX conversations_one_open_sms",
            "CREATE UNIQUE INDEX conversations_one_open ON conversations (customer, channel)"
            " WHERE status = 'open'",
            "DROP INDEX conversations_by_customer",
            "CREATE INDEX conversations_by_customer"
            " ON conversations (customer, channel, status, closed_at)",
        ),
    ),
    # Workload (docs/workload.md): who holds which conversation, who waits in a team
    # inbox, teammates' status and turn, and every assignment with its reason.
    Migration(
        4,
        "workload: team inboxes, assignments, teammate status, assignment log",
        (
            "CREATE TABLE workload_conversations ("
            " conversation_seq BIGINT PRIMARY KEY REFERENCES conversations (seq),"
            " customer TEXT NOT NULL,"
            " team TEXT,"
            " teammate TEXT,"
            " open {bool} NOT NULL,"
            " priority INTEGER NOT NULL DEFAULT 0,"
            " queued_at {timestamp} NOT NULL,"
            " assigned_at {timestamp})",
            "CREATE INDEX workload_waiting ON workload_conversations (team, open, teammate)",
            "CREATE INDEX workload_held ON workload_conversations (teammate, open)",
            "CREATE INDEX workload_by_customer ON workload_conversations (customer)",
            "CREATE TABLE workload_teammates ("
            " name TEXT PRIMARY KEY,"
            " away {bool} NOT NULL DEFAULT FALSE,"
            " last_assignment BIGINT NOT NULL DEFAULT 0,"
            " status_at {timestamp})",
            "CREATE TABLE workload_teams (name TEXT PRIMARY KEY, last_member TEXT)",
            "CREATE TABLE workload_log ("
            " seq {serial},"
            " event_id TEXT,"
            " conversation_seq BIGINT,"
            " at {timestamp} NOT NULL,"
            " kind TEXT NOT NULL,"
            " team TEXT,"
            " teammate TEXT,"
            " reason TEXT NOT NULL)",
            "CREATE INDEX workload_log_by_conversation ON workload_log (conversation_seq, seq)",
            "CREATE INDEX workload_log_by_event ON workload_log (event_id)",
        ),
    ),
)

LATEST_VERSION = MIGRATIONS[-1].version


def render(statement: str, types: Mapping[str, str]) -> str:
    """A statement in one dialect."""
    return statement.format(**types)
