package dev.opal4j.core.backbone;

/** Where a worker stands with its backbone; every change is logged once and exported as a metric. */
public enum BackboneState {
  /** No backbone configured: the worker is on its own. */
  NONE,
  /** Trying to (re)connect, waiting out the backoff between attempts. */
  DISCONNECTED,
  /** Subscribed again after a gap; waiting the settle period, then replaying buffered messages. */
  RECOVERING,
  /** Subscribed and sending directly. */
  CONNECTED,
  /** Gave up (max retries exceeded or reconnect disabled) or stopped. */
  STOPPED
}
