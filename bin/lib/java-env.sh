# Sourced by opal4j's scripts: selects a JDK >= 21 (the project builds with --release 21) and
# exports JAVA_HOME. The machine's default JDK may be older; newer ones live under /usr/lib/jvm.
java_major() { "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | cut -d. -f1; }
opal4j_select_jdk() {
  local candidate major
  for candidate in "${JAVA_HOME:-}" $(command -v java >/dev/null 2>&1 && dirname "$(dirname "$(readlink -f "$(command -v java)")")") /usr/lib/jvm/*; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] || continue
    major=$(java_major "$candidate/bin/java")
    if [ -n "$major" ] && [ "$major" -ge 21 ] 2>/dev/null; then
      export JAVA_HOME="$candidate"
      export PATH="$JAVA_HOME/bin:$PATH"
      return 0
    fi
  done
  echo "opal4j: no JDK >= 21 found (looked at JAVA_HOME, the default java and /usr/lib/jvm/*); install one, e.g. 'apt-get install openjdk-21-jdk-headless'" >&2
  return 1
}
opal4j_select_jdk
