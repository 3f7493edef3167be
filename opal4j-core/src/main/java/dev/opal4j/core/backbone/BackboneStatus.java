package dev.opal4j.core.backbone;

import java.time.Instant;

/**
 * A consistent snapshot of a worker's backbone link, for {@code /healthcheck} and metrics.
 *
 * @param resumes reconnects that continued from the last position (no resync)
 * @param positionsLost reconnects whose position the backbone no longer held (subscribed at the end
 *     and resynced instead)
 * @param resumedMessages peers' updates that resumes delivered from the backbone's log
 * @param position where a reconnect would resume now, or null (none known, or the backbone keeps no
 *     positions)
 */
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
    long duplicatesDropped,
    long resumes,
    long positionsLost,
    long resumedMessages,
    String position) {}
