"""Streaming door: posts arrive as messages on a queue (NATS JetStream) rather than in files or
HTTP requests, and leave as decisions published to a result subject.

The guarantees a platform needs from a queue consumer, and where each comes from:

- at least once: a message is acknowledged only after its decision is stored through the one
  after-decision path (`jaga.moderation.record`) and published; a consumer killed at any instant
  leaves its unacknowledged messages to be redelivered;
- idempotent by post id: a redelivered post that already has a decision in the store is not decided
  again; its stored decision is published again instead (with the decision id as `Nats-Msg-Id`, so
  a result stream drops the copy);
- bounded in-flight work: one batch in hand, and the durable consumer's `max_ack_pending` caps what
  the server hands out unacknowledged (back-pressure on a slow store);
- a bad message (not JSON, not a post, or one that makes a stage fail) is a reject published with
  its reason and acknowledged: it never blocks the stream;
- graceful shutdown: SIGINT or SIGTERM finishes the batch in hand, acknowledges it, drains, exits 0.

Exactly once per post holds for one copy of a post in flight at a time (what redelivery produces).
Two copies of the same post handed to two processes sharing a durable consumer at the same moment
may both be decided: the decision row is upserted once (its id derives from the post id), but the
audit log then names it twice.
"""

from jaga.stream.consumer import BatchHandler, ConsumerSettings, ConsumeSummary, Incoming, Outcome, StreamError, consume

__all__ = ["BatchHandler", "ConsumeSummary", "ConsumerSettings", "Incoming", "Outcome", "StreamError", "consume"]
