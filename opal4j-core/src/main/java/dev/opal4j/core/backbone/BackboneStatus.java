package dev.opal4j.core.backbone;

import java.time.Instant;

/** A consistent snapshot of a worker's backbone link, for {@code /healthcheck} and metrics. */
public record BackboneStatus(
    BackboneState state,
    Instant stateSince,
    boolean healthy,
    String detail,
    int buffered,
    long published,
    long received,
    long replayed,
    long bufferDropped,
    long rejected,
    long reconnectAttempts,
    long gapsDetected,
    long wedgesDetected,
    long duplicatesDropped) {}
