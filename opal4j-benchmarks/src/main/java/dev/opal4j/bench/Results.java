package dev.opal4j.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one run measured. A plain holder filled by {@link HarnessRun} and rendered by {@link
 * Report}; a null or negative number means "not measured". Not thread-safe.
 */
final class Results {
  // what ran
  String scenario;
  String description;
  String target;
  String label;
  String startedAt;
  String gitRev;
  List<String> urls = new ArrayList<>();
  String publishUrl;
  boolean serverStarted;
  String serverLog;
  String transport;
  /** The websocket handshake the subscribers made: whether permessage-deflate was offered and what the server answered. */
  String handshake;
  int sourceAddresses;
  // connections
  int subscribersTarget;
  int subscribedAfterConnect;
  int subscribedAtEnd;
  int everSubscribed;
  double connectSeconds;
  long handshakes;
  long reconnects;
  long subscribeRefused;
  Map<String, Long> connectFailures = new LinkedHashMap<>();
  Map<String, Long> closes = new LinkedHashMap<>();
  // publishing
  String publish;
  double rateTarget;
  long sent;
  long accepted;
  long refused;
  long failed;
  long throttleTimeouts;
  String firstPublishFailure;
  double publisherMaxLagMs = -1;
  double windowSeconds;
  double publishedPerSecond;
  // deliveries
  long deliveries;
  long deliveriesInWindow;
  double deliveriesPerSecond;
  long latencyCount;
  double p50Ms = -1;
  double p90Ms = -1;
  double p99Ms = -1;
  double p999Ms = -1;
  double maxMs = -1;
  double meanMs = -1;
  long lost;
  int subscribersWithLoss;
  long maxLostPerSubscriber;
  long duplicates;
  long beyondWindow;
  long early;
  long foreign;
  // resources
  long serverRssBefore = -1;
  long serverRssAfter = -1;
  double serverRssPerConnection = -1;
  long serverHeapBefore = -1;
  long serverHeapAfter = -1;
  double serverHeapPerConnection = -1;
  long generatorRssBefore = -1;
  long generatorRssAfter = -1;
  double generatorRssPerConnection = -1;
  double serverCpuCores = -1;
  double generatorCpuCores = -1;
  // the machine: on a shared machine, other jobs' load explains much of the spread between runs
  double loadAverageAtStart = -1;
  double loadAverageAtEnd = -1;
  // recovery hooks
  List<Map<String, Object>> hooks = new ArrayList<>();
  double allCurrentAfterLastHookMs = -1;
  String convergence;
}
