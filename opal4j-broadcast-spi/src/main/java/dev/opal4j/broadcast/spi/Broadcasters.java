package dev.opal4j.broadcast.spi;

import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.TreeSet;

/** Finds the backend for a broadcast URI among the factories on the class path. */
public final class Broadcasters {
  private final Map<String, BroadcasterFactory> byScheme;

  private Broadcasters(Map<String, BroadcasterFactory> byScheme) {
    this.byScheme = byScheme;
  }

  /** Every backend visible to the given class loader. */
  public static Broadcasters discover(ClassLoader loader) {
    Map<String, BroadcasterFactory> byScheme = new TreeMap<>();
    for (BroadcasterFactory factory : ServiceLoader.load(BroadcasterFactory.class, loader)) {
      for (String scheme : factory.schemes()) {
        byScheme.putIfAbsent(scheme.toLowerCase(Locale.ROOT), factory);
      }
    }
    return new Broadcasters(byScheme);
  }

  public static Broadcasters discover() {
    return discover(Broadcasters.class.getClassLoader());
  }

  /** The schemes that can be used, sorted. */
  public java.util.SortedSet<String> knownSchemes() {
    return new TreeSet<>(byScheme.keySet());
  }

  /**
   * The factory for the settings' URI scheme, after it validated the settings.
   *
   * @throws BroadcastConfigurationException for an unknown scheme (listing the known ones) or
   *     settings the backend rejects
   */
  public BroadcasterFactory factoryFor(BroadcastSettings settings)
      throws BroadcastConfigurationException {
    String scheme = settings.uri().getScheme();
    if (scheme == null) {
      throw new BroadcastConfigurationException(
          "OPAL_BROADCAST_URI '" + settings.redactedUri() + "' has no scheme; known schemes: "
              + String.join(", ", knownSchemes()));
    }
    BroadcasterFactory factory = byScheme.get(scheme.toLowerCase(Locale.ROOT));
    if (factory == null) {
      throw new BroadcastConfigurationException(
          "OPAL_BROADCAST_URI scheme '" + scheme + "' is not supported; known schemes: "
              + String.join(", ", knownSchemes()));
    }
    factory.validate(settings);
    return factory;
  }
}
