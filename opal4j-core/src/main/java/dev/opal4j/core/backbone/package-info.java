/**
 * Keeps a worker on its broadcast backbone through outages: {@link
 * dev.opal4j.core.backbone.BackboneSupervisor} connects with {@link
 * dev.opal4j.core.backbone.Backoff}, buffers what cannot be sent in a {@link
 * dev.opal4j.core.backbone.ReplayBuffer}, replays it in order after a settle period, detects missed
 * peer messages with {@link dev.opal4j.core.backbone.SequenceTracker}, and asks the {@link
 * dev.opal4j.core.backbone.ResyncCoordinator} to make clients re-fetch; on a backbone that keeps its
 * messages it resumes from the position the {@link dev.opal4j.core.backbone.ResumeCursor} kept
 * instead, and resyncs only when that position is gone. Between backoff attempts a {@link
 * dev.opal4j.broadcast.spi.PortProbe} of the backbone's port notices its return, and the {@link
 * dev.opal4j.core.backbone.ReturnProbePolicy} decides when that brings the next attempt forward. Behaviour and defaults follow
 * OPAL's {@code OPAL_BROADCAST_*} settings (PR #915), with its known holes closed.
 */
package dev.opal4j.core.backbone;
