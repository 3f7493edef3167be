package dev.opal4j.server.config;

import dev.opal4j.protocol.config.Setting;
import dev.opal4j.protocol.config.Setting.Secrecy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every environment variable the server reads, with its documented default and meaning: the one
 * source of {@code opal-server --help}, {@code print-config} and README's configuration reference
 * ({@link ConfigurationReference}). {@link ServerConfig} and the modules it binds still read the
 * values through the shared binder; {@code SettingsCatalogTest} fails when a variable is read but not
 * listed here, listed but not read, or documented with another default than the code's.
 *
 * <p>Immutable and thread-safe.
 */
public final class SettingsCatalog {
  /** README's sections, in order. */
  public static final List<String> GROUPS = List.of(
      "Serving", "Logs and shutdown", "Broadcast backbone", "Auth", "Data", "Policy source",
      "Policy source (bundle server)", "Statistics",
      "Limits (opal4j)");

  private static final List<Setting> ALL = build();
  private static final Map<String, Setting> BY_NAME = index(ALL);

  private SettingsCatalog() {}

  /** Every setting, grouped in {@link #GROUPS} order. */
  public static List<Setting> all() {
    return ALL;
  }

  public static List<Setting> group(String group) {
    return ALL.stream().filter(s -> s.group().equals(group)).toList();
  }

  public static Optional<Setting> named(String name) {
    return Optional.ofNullable(BY_NAME.get(name));
  }

  private static Map<String, Setting> index(List<Setting> all) {
    Map<String, Setting> byName = new LinkedHashMap<>();
    for (Setting s : all) {
      if (byName.put(s.name(), s) != null) {
        throw new IllegalStateException("setting " + s.name() + " is listed twice");
      }
      if (!GROUPS.contains(s.group())) {
        throw new IllegalStateException("setting " + s.name() + " has an unknown group " + s.group());
      }
    }
    return byName;
  }

  private static List<Setting> build() {
    List<Setting> s = new ArrayList<>();
    String g = "Serving";
    s.add(plain(g, "UVICORN_PORT", "7002", "listening port"));
    s.add(plain(g, "OPAL_SERVER_HOST", "0.0.0.0", "bind address (opal4j; upstream's image binds 0.0.0.0)"));
    s.add(plain(g, "UVICORN_NUM_WORKERS", "1", "worker processes sharing the port (SO_REUSEPORT). More than 1 requires"
        + " `OPAL_BROADCAST_URI`; see \"Several workers on one node\""));
    s.add(plain(g, "OPAL_SERVER_WORKER_COUNT", "1", "upstream's alias of `UVICORN_NUM_WORKERS`, which wins when both are"
        + " set"));
    s.add(plain(g, "OPAL_ALLOWED_ORIGINS", "*", "CORS origins, also checked on websocket upgrades that send an"
        + " `Origin`"));
    s.add(plain(g, "OPAL_PUBLISHER_ENABLED", "true", "`false` makes `POST /data/config` answer 503"));
    s.add(plain(g, "OPAL_SERVER_EVENT_LOOPS", "2 × cores", "event-loop threads per worker (opal4j)"));
    s.add(plain(g, "UVICORN_SSL_CERTFILE", null, "PEM certificate chain: with `UVICORN_SSL_KEYFILE`, serve HTTPS and"
        + " `wss://` on the same port (uvicorn's names)"));
    s.add(plain(g, "UVICORN_SSL_KEYFILE", null, "unencrypted PEM key of `UVICORN_SSL_CERTFILE`"));
    s.add(secret(g, "UVICORN_SSL_KEYFILE_PASSWORD", null, "refused at start-up: encrypted TLS keys are not"
        + " supported"));
    s.add(plain(g, "OPAL_CLIENT_LOAD_LIMIT_NOTATION", null, "rate of `GET /loadlimit` in upstream's `limits` notation"
        + " (`10/second`, `100 per 2 minutes`, several joined by `;`); over it the route answers 429 `{\"detail\": \"10 per"
        + " 1 second\"}`, which makes clients with `OPAL_WAIT_ON_SERVER_LOAD=true` wait before connecting. One global count"
        + " per worker (fixed windows), as upstream; unset: always 200. A notation that does not parse stops start-up"));

    g = "Logs and shutdown";
    s.add(plain(g, "OPAL_LOG_LEVEL", "INFO", "`TRACE`, `DEBUG`, `INFO`, `WARN`, `ERROR`, `OFF`, and upstream's loguru"
        + " names `WARNING`, `SUCCESS` (= `INFO`), `CRITICAL` (= `ERROR`), any case; anything else (e.g. `verbose`) is"
        + " refused"));
    s.add(plain(g, "OPAL_LOG_SERIALIZE", "false", "`true`: every log line is one JSON object (`timestamp` in epoch"
        + " ms, `level`, `threadName`, `loggerName`, `formattedMessage`, `throwable`, `worker` (`w<index>` or"
        + " `supervisor`), a worker's backbone `notifier_id`, and `pid` with `OPAL_LOG_FORMAT_INCLUDE_PID`)"));
    s.add(plain(g, "OPAL_LOG_FORMAT_INCLUDE_PID", "false", "`true`: every line names the process id (after the"
        + " worker tag, or as `pid` in JSON)"));
    s.add(plain(g, "OPAL_SHUTDOWN_DRAIN_SECONDS", "5", "on SIGTERM the worker stops accepting websockets (503) and"
        + " closes its clients with 1001 spread evenly over this window, so they do not all reconnect to the remaining"
        + " servers at once; then it exits 0 (opal4j)"));

    g = "Broadcast backbone";
    s.add(uri(g, "OPAL_BROADCAST_URI", null, "`postgres://user:pass@host:5432/db`, `redis://[:pass@]host:6379`"
        + " (`redis-stream://` for a Redis stream that workers resume from), `kafka://h1:9092,h2:9092`,"
        + " `pulsar://host:6650`, `nats://[user:pass@]h1:4222,h2:4222` (`tls://` for TLS, `?mode=jetstream` for a"
        + " JetStream stream that workers resume from), `memory://` or `memory://<name>` (in-process only). Unset: no"
        + " backbone (one worker)"));
    s.add(plain(g, "OPAL_BROADCAST_CHANNEL_NAME", "EventNotifier", "channel / topic name on the backbone"));
    s.add(plain(g, "OPAL_BROADCAST_RECONNECT_ENABLED", "true", "reconnect on a backbone loss; `false`: the worker exits"
        + " and is restarted"));
    s.add(plain(g, "OPAL_BROADCAST_RECONNECT_MAX_RETRIES", "0", "consecutive failed attempts before the worker gives up"
        + " and exits (code 3); 0 = forever"));
    s.add(plain(g, "OPAL_BROADCAST_RECONNECT_BACKOFF_MIN_SECONDS", "0.5", "minimum backoff (equal-jitter"
        + " exponential)"));
    s.add(plain(g, "OPAL_BROADCAST_RECONNECT_BACKOFF_MAX_SECONDS", "30", "maximum backoff (capped before jitter)"));
    s.add(plain(g, "OPAL_BROADCAST_RECONNECT_PROBE_INTERVAL_SECONDS", "0.25", "opal4j: between backoff attempts, a"
        + " worker connects to the backbone's port(s) and closes at once (TCP only) about this often (jittered ±50 %);"
        + " when the port is back after it was seen closed, the next attempt runs at once instead of at the end of the"
        + " backoff. A port that accepts all along while the backbone refuses keeps the backoff's pace. 0 disables;"
        + " otherwise at least 0.05 (see RESILIENCE.md)"));
    s.add(plain(g, "OPAL_BROADCAST_REPLAY_BUFFER_SIZE", "10000", "outbound messages buffered during an outage (oldest"
        + " dropped; 0 disables)"));
    s.add(plain(g, "OPAL_BROADCAST_REPLAY_BUFFER_MAX_BYTES", "67108864", "byte bound of the same buffer (opal4j)"));
    s.add(plain(g, "OPAL_BROADCAST_RESYNC_ON_RECONNECT", "true", "after a gap, close this worker's clients with 1012 so"
        + " they re-fetch"));
    s.add(plain(g, "OPAL_BROADCAST_RESYNC_SETTLE_SECONDS", "2", "wait after reconnecting before replaying and"
        + " resyncing"));
    s.add(plain(g, "OPAL_BROADCAST_RESUME_ENABLED", "true", "opal4j: on a backbone that keeps its messages (Kafka,"
        + " Pulsar with a retention policy, the Redis stream `redis-stream://`, NATS JetStream `?mode=jetstream`), a worker that lost its subscription continues from the last message it"
        + " handled instead of the end, so its clients are not resynced; when the backbone no longer holds that"
        + " position it resyncs as without resume. `false`: every reconnect subscribes at the end and resyncs (see"
        + " RESILIENCE.md)"));
    s.add(plain(g, "OPAL_BROADCAST_RESYNC_SPREAD_SECONDS", "0.5", "opal4j: the resync's 1012 closes are spread over"
        + " this window, or longer when the worker has more clients than half of `OPAL_WS_MAX_HANDSHAKES_PER_SECOND`"
        + " takes back in it"));
    s.add(plain(g, "OPAL_BROADCAST_HEALTHCHECK_ENABLED", "true", "`/healthcheck` reports the backbone"));
    s.add(plain(g, "OPAL_BROADCAST_HEALTHCHECK_GRACE_SECONDS", "60", "how long the backbone may be unreachable before"
        + " `/healthcheck` answers 503 (opal4j)"));
    s.add(plain(g, "OPAL_BROADCAST_KEEPALIVE_INTERVAL", "3600", "seconds between OPAL's keepalives, sent (data `null`)"
        + " by the policy leader (the fleet lease holder), or by every worker without a policy source; 0 disables"));
    s.add(plain(g, "OPAL_BROADCAST_KEEPALIVE_TOPIC", "__broadcast_session_keepalive__", "topic of OPAL's keepalive"));
    s.add(plain(g, "OPAL_BROADCAST_PROBE_INTERVAL_SECONDS", "10", "a worker sends itself a probe through the backbone"
        + " this often; 0 disables (opal4j)"));
    s.add(plain(g, "OPAL_BROADCAST_PROBE_TIMEOUT_SECONDS", "30", "no own message heard for this long = silent wedge:"
        + " the connection is recycled (opal4j)"));
    s.add(plain(g, "OPAL_LEADER_LEASE_SECONDS", "10", "Redis, NATS: how long the policy leader's lease lasts without"
        + " renewal (see the backbone specifics below)"));

    g = "Auth";
    s.add(plain(g, "OPAL_AUTH_PUBLIC_KEY", null, "verification key (file path or text; `_` stands for newline in"
        + " one-line text); `ssh-rsa …`, PEM or DER, detected from the content. RSA ≥ 2048 bits. A value shaped like a"
        + " path whose file does not exist is refused with `no such file`"));
    s.add(plain(g, "OPAL_AUTH_PUBLIC_KEY_FORMAT", "ssh", "upstream's `pem`, `ssh` or `der`; opal4j detects the"
        + " format (see \"Key formats\" below)"));
    s.add(secret(g, "OPAL_AUTH_PRIVATE_KEY", null, "signing key for `POST /token`: PEM PKCS#1/PKCS#8 (encrypted PKCS#8"
        + " with the passphrase), unencrypted OpenSSH, or DER"));
    s.add(plain(g, "OPAL_AUTH_PRIVATE_KEY_FORMAT", "pem", "upstream's `pem`, `ssh` or `der`; opal4j detects the"
        + " format (see \"Key formats\" below)"));
    s.add(secret(g, "OPAL_AUTH_PRIVATE_KEY_PASSPHRASE", null, "passphrase of an encrypted PKCS#8"
        + " `OPAL_AUTH_PRIVATE_KEY`"));
    s.add(plain(g, "OPAL_AUTH_TYPE", null, "upstream's switch to OAuth2. Unset or `jwt`: OPAL's own RS256 JWTs. Any"
        + " other value (`oauth2`, …) stops start-up with exit 2: OAuth2 is not implemented. Any `OPAL_OAUTH2_*`"
        + " variable set stops start-up the same way, naming it"));
    s.add(plain(g, "OPAL_AUTH_JWT_ALGORITHM", "RS256", "signature algorithm: RSA only (`RS256/384/512`,"
        + " `PS256/384/512`)"));
    s.add(plain(g, "OPAL_AUTH_JWT_AUDIENCE", "https://api.opal.ac/v1/", "required `aud`"));
    s.add(plain(g, "OPAL_AUTH_JWT_ISSUER", "https://opal.ac/", "required `iss`"));
    s.add(secret(g, "OPAL_AUTH_MASTER_TOKEN", null, "bearer token that may call `POST /token` (unset: `/token` is"
        + " refused)"));
    s.add(plain(g, "OPAL_AUTH_JWKS_URL", "/.well-known/jwks.json", "route of the public JWKS"));

    g = "Data";
    // the sources may carry fetch credentials (an entry's config.headers), so they are never printed
    s.add(secret(g, "OPAL_DATA_CONFIG_SOURCES",
        "`{\"config\":{\"entries\":[{\"url\":\"<OPAL_ALL_DATA_URL>\",\"topics\":[\"<OPAL_ALL_DATA_TOPIC>\"]}]}}`",
        "what `GET /data/config` returns, or `{\"external_source_url\": \"...\"}` for a 307 redirect with `?token=`"));
    s.add(uri(g, "OPAL_ALL_DATA_URL", "http://localhost:7002/policy-data", "URL of the default data source entry"));
    s.add(plain(g, "OPAL_ALL_DATA_TOPIC", "policy_data", "default topic of entries without `topics`"));
    s.add(plain(g, "OPAL_ALL_DATA_ROUTE", "/policy-data", "route of the default data source"));
    s.add(plain(g, "OPAL_DATA_CONFIG_ROUTE", "/data/config", "route of the data sources configuration"));
    s.add(plain(g, "OPAL_DATA_CALLBACK_DEFAULT_ROUTE", "/data/callback_report", "route of clients' update reports"));

    g = "Policy source";
    s.add(plain(g, "OPAL_POLICY_SOURCE_TYPE", "GIT", "`GIT`: policy from the git repository in `OPAL_POLICY_REPO_URL`;"
        + " `API`: from the bundle server in `OPAL_POLICY_BUNDLE_URL` (next table). Either way the node keeps a local git"
        + " repository that bundles, diffs and `policy:<dir>` updates are made from"));
    s.add(uri(g, "OPAL_POLICY_REPO_URL", null, "`https://…`, `ssh://…`/`git@…` or `file://…`; unset (with `GIT`):"
        + " `GET /policy` answers 503"));
    s.add(secret(g, "OPAL_POLICY_REPO_SSH_KEY", null, "private key for ssh URLs (text with `_` for newlines, or a"
        + " path)"));
    s.add(plain(g, "OPAL_POLICY_REPO_MAIN_BRANCH", "master", "branch to follow"));
    s.add(plain(g, "OPAL_POLICY_REPO_CLONE_PATH", "`$CWD/regoclone`", "where the node's local repository lives (the"
        + " clone, or the bundle server's commits)"));
    s.add(plain(g, "OPAL_POLICY_REPO_CLONE_FOLDER_PREFIX", "opal_repo_clone", "name prefix of its folder"));
    s.add(plain(g, "OPAL_POLICY_REPO_REUSE_CLONE_PATH", "false", "reuse an existing local repository at the clone"
        + " path"));
    s.add(plain(g, "OPAL_POLICY_REPO_POLLING_INTERVAL", "0", "seconds between fetches (git) or bundle downloads"
        + " (`API`); 0 = webhook only"));
    s.add(plain(g, "OPAL_POLICY_REPO_CLONE_TIMEOUT", "0", "give up the first clone (or first bundle) after this many"
        + " seconds (0 = retry forever)"));
    s.add(plain(g, "OPAL_POLICY_REPO_MANIFEST_PATH", "\"\"", "manifest file ordering the bundle (`.manifest` lookup as"
        + " upstream)"));
    s.add(plain(g, "OPAL_FILTER_FILE_EXTENSIONS", ".rego,.json", "files in bundles"));
    s.add(plain(g, "OPAL_POLICY_REPO_POLICY_EXTENSIONS", ".rego", "files that are policy modules"));
    s.add(plain(g, "OPAL_BUNDLE_IGNORE", null, "globs left out of bundles, as a JSON list (`'[\"tests/**\","
        + " \"a/b.json\"]'`) or comma-separated"));
    s.add(secret(g, "OPAL_POLICY_REPO_WEBHOOK_SECRET", null, "`POST /webhook` verification secret (HMAC"
        + " `X-Hub-Signature-256` by default)"));
    s.add(plain(g, "OPAL_POLICY_REPO_WEBHOOK_PARAMS", "GitHub's settings", "how `POST /webhook` is verified and read (upstream's"
        + " JSON shape)"));
    s.add(plain(g, "OPAL_POLICY_REPO_WEBHOOK_ENFORCE_BRANCH", "false", "ignore webhooks for other branches"));
    s.add(plain(g, "OPAL_REPO_WATCHER_ENABLED", "true", "`false`: serve bundles but never fetch"));
    s.add(plain(g, "OPAL_LEADER_LOCK_FILE_PATH", "/tmp/opal_server_leader.lock", "the node lock: one worker per node"
        + " keeps the local repository current"));

    g = "Policy source (bundle server)";
    s.add(uri(g, "OPAL_POLICY_BUNDLE_URL", null, "with `OPAL_POLICY_SOURCE_TYPE=API` (then required): the bundle"
        + " server's base URL, `http(s)://…` without query; `/bundle.tar.gz` is appended (a trailing `/` is dropped)"));
    s.add(plain(g, "OPAL_POLICY_BUNDLE_SERVER_TYPE", "HTTP", "`HTTP`: `Authorization: Bearer <token>` when a token is"
        + " set; `AWS-S3`: AWS Signature V4 (service `s3`) with the token id and token as access key; the URL is signed"
        + " as given, path-style (`https://s3.<region>.amazonaws.com/<bucket>`) or virtual-hosted"));
    s.add(secret(g, "OPAL_POLICY_BUNDLE_SERVER_TOKEN", null, "the bearer token (`HTTP`) or the secret access key"
        + " (`AWS-S3`, required)"));
    s.add(plain(g, "OPAL_POLICY_BUNDLE_SERVER_TOKEN_ID", null, "the access key id (`AWS-S3`, required)"));
    s.add(plain(g, "OPAL_POLICY_BUNDLE_SERVER_AWS_REGION", "us-east-1", "the region the signature is made for"
        + " (`AWS-S3`)"));
    s.add(plain(g, "OPAL_POLICY_BUNDLE_TMP_PATH", "/tmp/bundle.tar.gz", "where the last accepted tarball is kept;"
        + " its directory must exist and be writable (downloads go to `<path>.<pid>.part` beside it first)"));
    s.add(plain(g, "OPAL_POLICY_BUNDLE_GIT_ADD_PATTERN", "*", "which files of the tarball are committed, as upstream's"
        + " `git add` of a glob: matched component by component, a matched directory brings everything under it, a"
        + " wildcard skips names starting with `.` (so `*` leaves a top-level `.manifest` out; `.` takes everything)"));
    s.add(plain(g, "OPAL_POLICY_BUNDLE_MAX_BYTES", "67108864", "opal4j: largest tarball downloaded (compressed);"
        + " a bigger one is refused"));
    s.add(plain(g, "OPAL_POLICY_BUNDLE_MAX_EXTRACTED_BYTES", "268435456", "opal4j: largest total size of a"
        + " tarball's files once extracted; a bigger one is refused"));
    s.add(plain(g, "OPAL_POLICY_BUNDLE_MAX_ENTRIES", "10000", "opal4j: most entries (files, directories, links)"
        + " in a tarball; more are refused"));

    g = "Statistics";
    s.add(plain(g, "OPAL_STATISTICS_ENABLED", "false", "fleet statistics: `GET /statistics` (`ServerStats`: `uptime`,"
        + " `version`, `clients` by client id with each channel's `rpc_id`, `client_id`, `topics`, and `servers`, this"
        + " worker first) and `GET /stats` (`ServerStatsBrief`: `uptime`, `version`, `client_count`, `server_count`); both"
        + " 501 when off, JWT as upstream. Every worker keeps the fleet's table from the backbone, so any worker of any"
        + " node answers for all"));
    s.add(plain(g, "OPAL_STATISTICS_ADD_CLIENT_CHANNEL", "__opal_stats_add", "a client announces `{\"topics\","
        + " \"client_id\", \"rpc_id\"}` with an RPC `publish` after subscribing (`bin/opal-client subscribe --statistics`,"
        + " id from `OPAL_CLIENT_STAT_ID`)"));
    s.add(plain(g, "OPAL_STATISTICS_REMOVE_CLIENT_CHANNEL", "__opal_stats_rm", "when an announced connection closes,"
        + " its worker publishes its `rpc_id` here"));
    s.add(plain(g, "OPAL_STATISTICS_WAKEUP_CHANNEL", "__opal_stats_wakeup", "a worker asks for the table 2 s after"
        + " start (`{\"requesting_worker_id\"}`)"));
    s.add(plain(g, "OPAL_STATISTICS_STATE_SYNC_CHANNEL", "__opal_stats_state_sync", "one peer with clients answers a"
        + " wakeup after a random 0–5 s with `{\"requesting_worker_id\", \"clients\", \"rpc_id_to_client_id\"}` (opal4j"
        + " adds `opal4j_server` to each channel, which Python ignores); an answer over the backbone's message limit"
        + " (Postgres: 8000 bytes, about 40 channels) is not sent, with a WARN"));
    s.add(plain(g, "OPAL_STATISTICS_SERVER_KEEPALIVE_CHANNEL", "__opal_stats_server_keepalive", "every worker sends"
        + " `{\"worker_id\"}` here every half `OPAL_STATISTICS_SERVER_KEEPALIVE_TIMEOUT`"));
    s.add(plain(g, "OPAL_STATISTICS_SERVER_KEEPALIVE_TIMEOUT", "20", "seconds: a worker not heard for this long"
        + " leaves `servers`, and the clients it announced leave with it"));
    s.add(plain(g, "OPAL_MAX_CHANNELS_PER_CLIENT", "15", "channels kept per client id; more are not recorded (WARN at"
        + " most every 10 s)"));
    s.add(plain(g, "OPAL_STATISTICS_MAX_BYTES", "67108864", "opal4j: bound of the whole client table (a channel costs"
        + " its text plus 200 bytes); a flood of fake client ids stops there"));

    g = "Limits (opal4j)";
    s.add(plain(g, "OPAL_WS_MAX_FRAME_BYTES", "1048576",
        "largest inbound websocket message, on the wire and once inflated (permessage-deflate); bigger closes with 1009"));
    s.add(plain(g, "OPAL_WS_MAX_NOTIFY_BYTES", "1048576", "largest notification sent to a client (the Python client's"
        + " receive limit); bigger updates are refused with 413"));
    s.add(plain(g, "OPAL_WS_OUTBOUND_QUEUE_BYTES", "16777216", "unwritten bytes per client before it is closed with"
        + " 1013 as a slow consumer"));
    s.add(plain(g, "OPAL_WS_PING_INTERVAL_SECONDS", "20", "protocol pings to clients this often; 0 disables"));
    s.add(plain(g, "OPAL_WS_PING_TIMEOUT_SECONDS", "20", "no pong in time closes with 1011"));
    s.add(plain(g, "OPAL_WS_MAX_TOPICS_PER_SUBSCRIBE", "1000", "a bigger `subscribe` returns `false`"));
    s.add(plain(g, "OPAL_WS_MAX_SUBSCRIPTIONS_PER_CONNECTION", "10000", "topics one connection may hold"));
    s.add(plain(g, "OPAL_WS_MAX_CONNECTIONS", "200000", "per worker; further handshakes get 503"));
    s.add(plain(g, "OPAL_WS_MAX_HANDSHAKES_PER_SECOND", "2000", "per worker; further websocket handshakes in the same"
        + " second get 429 (a reconnect storm spreads out)"));
    s.add(plain(g, "OPAL_WS_AUTH_FAILURES_PER_ADDRESS", "20", "a client address whose handshakes failed auth this often"
        + " **with the same token** within the window gets 429 (with `Retry-After`) for that token until the window"
        + " ends (the Python client retries a 403 in a tight loop); other tokens from the address are unaffected"));
    s.add(plain(g, "OPAL_WS_AUTH_FAILURE_WINDOW_SECONDS", "10", "the window of `OPAL_WS_AUTH_FAILURES_PER_ADDRESS`"));
    s.add(plain(g, "OPAL_WS_PERMESSAGE_DEFLATE", "true",
        "accept the clients' permessage-deflate offer (every real OPAL client makes one); the server never compresses what it"
            + " sends. `false`: decline it, clients send uncompressed"));
    s.add(plain(g, "OPAL_TRUSTED_PROXIES", null, "comma or JSON list of CIDR blocks (`10.0.0.0/8,fd00::/8`) or"
        + " addresses of reverse proxies; only from these peers are `Forwarded` / `X-Forwarded-For` honoured to find"
        + " the client address (the rightmost hop that is not a trusted proxy). Unset: the socket's peer is the"
        + " client"));
    s.add(plain(g, "OPAL_HTTP_MAX_BODY_BYTES", "2097152", "largest REST body; bigger gets 413"));
    return List.copyOf(s);
  }

  private static Setting plain(String group, String name, String defaultValue, String description) {
    return new Setting(name, group, defaultValue, description, Secrecy.PLAIN);
  }

  private static Setting secret(String group, String name, String defaultValue, String description) {
    return new Setting(name, group, defaultValue, description, Secrecy.SECRET);
  }

  private static Setting uri(String group, String name, String defaultValue, String description) {
    return new Setting(name, group, defaultValue, description, Secrecy.URI_CREDENTIALS);
  }
}
