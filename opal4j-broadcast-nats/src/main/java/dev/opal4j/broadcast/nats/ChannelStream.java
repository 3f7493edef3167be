package dev.opal4j.broadcast.nats;

import dev.opal4j.broadcast.spi.BackboneUnavailableException;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.DiscardPolicy;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.StreamInfo;
import io.nats.client.api.StreamInfoOptions;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A channel's JetStream stream: found, or created with the URI's retention (file storage, limits
 * retention, discarding the oldest), and checked to suit a backbone before anyone reads or writes
 * it. A stream that exists keeps its own limits (they are what the server enforces; the first to
 * differ from the URI's is logged once); one that cannot serve is refused with what to change.
 *
 * <p>Stateless; its methods block on requests to the server.
 */
final class ChannelStream {
  private static final Logger log = LoggerFactory.getLogger(ChannelStream.class);
  static final int STREAM_NOT_FOUND = 10059;
  private static final int STREAM_NAME_IN_USE = 10058;
  private static final int SUBJECTS_OVERLAP = 10065;
  private static final int JETSTREAM_NOT_ENABLED_FOR_ACCOUNT = 10039;
  private static final int JETSTREAM_NOT_ENABLED = 10076;
  /** Stream name -> the limits last logged as differing from a URI's, so each difference is told once. */
  private static final Map<String, String> toldLimits = new ConcurrentHashMap<>();

  private ChannelStream() {}

  /** The stream, created when missing; checked. */
  static StreamInfo ensure(JetStreamManagement jsm, String name, String subject, JetStreamSettings settings,
      String redactedUri) throws IOException, JetStreamApiException, BackboneUnavailableException {
    StreamInfo info = find(jsm, name, redactedUri);
    if (info == null) {
      info = create(jsm, name, subject, settings, redactedUri);
    }
    check(info.getConfiguration(), subject, settings, redactedUri);
    return info;
  }

  /** The stream with the numbers of the messages deleted from its middle, or null when there is none. */
  static StreamInfo findWithDeletions(JetStreamManagement jsm, String name, String redactedUri)
      throws IOException, JetStreamApiException, BackboneUnavailableException {
    try {
      return jsm.getStreamInfo(name, StreamInfoOptions.builder().deletedDetails().build());
    } catch (JetStreamApiException e) {
      if (e.getApiErrorCode() == STREAM_NOT_FOUND) {
        return null;
      }
      throw noJetStream(e, redactedUri);
    }
  }

  private static StreamInfo find(JetStreamManagement jsm, String name, String redactedUri)
      throws IOException, JetStreamApiException, BackboneUnavailableException {
    try {
      return jsm.getStreamInfo(name);
    } catch (JetStreamApiException e) {
      if (e.getApiErrorCode() == STREAM_NOT_FOUND) {
        return null;
      }
      throw noJetStream(e, redactedUri);
    }
  }

  private static StreamInfo create(JetStreamManagement jsm, String name, String subject, JetStreamSettings settings,
      String redactedUri) throws IOException, JetStreamApiException, BackboneUnavailableException {
    try {
      StreamInfo created = jsm.addStream(StreamConfiguration.builder()
          .name(name)
          .description("opal4j backbone: the messages of channel '" + subject + "', kept so that a worker can resume")
          .subjects(subject)
          .retentionPolicy(RetentionPolicy.Limits)
          .discardPolicy(DiscardPolicy.Old)
          .storageType(StorageType.File)
          .maxMessages(settings.maxMsgs())
          .maxBytes(settings.maxBytes())
          .maxAge(settings.maxAge())
          .replicas(1)
          .build());
      log.info("created the JetStream stream {} on subject {} of {} (max_msgs {}, max_bytes {}, max_age {})", name,
          subject, redactedUri, settings.maxMsgs(), settings.maxBytes(), settings.maxAge());
      return created;
    } catch (JetStreamApiException e) {
      if (e.getApiErrorCode() == STREAM_NAME_IN_USE) {
        return jsm.getStreamInfo(name); // another worker created it first
      }
      if (e.getApiErrorCode() == SUBJECTS_OVERLAP) {
        throw new BackboneUnavailableException("NATS backbone " + redactedUri + ": cannot create the JetStream stream "
            + name + ": another stream already captures subject '" + subject + "' (" + e.getErrorDescription()
            + "); delete that stream, or name it with ?stream= if it captures exactly this subject", e);
      }
      throw noJetStream(e, redactedUri);
    }
  }

  /**
   * Refuses a stream that cannot serve as a backbone: every stream sequence must be one of the
   * channel's messages (so that a jump in the sequence reveals a lost message), kept by limits
   * alone, and accepting every publish.
   */
  static void check(StreamConfiguration config, String subject, JetStreamSettings settings, String redactedUri)
      throws BackboneUnavailableException {
    String name = config.getName();
    String problem = null;
    if (!config.getSubjects().equals(List.of(subject))) {
      problem = "it captures the subjects " + config.getSubjects() + "; opal4j needs exactly '" + subject + "' (every"
          + " stream sequence one of the channel's messages, so that a gap in the sequence reveals a lost one)";
    } else if (config.getRetentionPolicy() != RetentionPolicy.Limits) {
      problem = "its retention is " + config.getRetentionPolicy() + "; it must be limits (interest or work-queue"
          + " retention removes messages that a worker has not read yet)";
    } else if (config.getDiscardPolicy() != DiscardPolicy.Old) {
      problem = "its discard policy is " + config.getDiscardPolicy() + "; it must be old (discard new refuses every"
          + " publish once the stream is full)";
    } else if (config.getMirror() != null || !config.getSources().isEmpty()) {
      problem = "it is a mirror or sources other streams; it must take publishes itself";
    } else if (config.getSealed()) {
      problem = "it is sealed";
    } else if (config.getNoAck()) {
      problem = "it does not acknowledge publishes (no_ack); a publish must be confirmed";
    }
    if (problem != null) {
      throw new BackboneUnavailableException("NATS backbone " + redactedUri + ": the JetStream stream " + name
          + " cannot carry the channel: " + problem + ". Change it, or delete it so that opal4j creates it");
    }
    String limits = "max_msgs " + config.getMaxMsgs() + ", max_bytes " + config.getMaxBytes() + ", max_age "
        + config.getMaxAge() + (config.getMaxMsgsPerSubject() > 0 ? ", max_msgs_per_subject " + config.getMaxMsgsPerSubject() : "");
    boolean differs = config.getMaxMsgs() != settings.maxMsgs() || config.getMaxBytes() != settings.maxBytes()
        || !config.getMaxAge().equals(settings.maxAge()) || config.getMaxMsgsPerSubject() > 0;
    if (differs && !limits.equals(toldLimits.put(name, limits))) {
      log.warn("the JetStream stream {} of {} keeps its own retention ({}), not the URI's (max_msgs {}, max_bytes {},"
          + " max_age {}): it is what the server enforces; a worker resumes only while the stream still holds what it"
          + " missed", name, redactedUri, limits, settings.maxMsgs(), settings.maxBytes(), settings.maxAge());
    }
  }

  /** An API error that means no JetStream says so and what to do; others pass through. */
  private static JetStreamApiException noJetStream(JetStreamApiException e, String redactedUri)
      throws BackboneUnavailableException {
    if (e.getApiErrorCode() == JETSTREAM_NOT_ENABLED || e.getApiErrorCode() == JETSTREAM_NOT_ENABLED_FOR_ACCOUNT) {
      throw JetStreamBroadcaster.noJetStream(redactedUri, e.getErrorDescription(), e);
    }
    return e;
  }
}
