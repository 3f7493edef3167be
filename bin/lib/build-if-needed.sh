# Sourced by bin/opal-server and bin/opal-client: builds the distribution when it is missing or older
# than any source file, so a fresh clone runs with one command.
# Concurrent first runs (the README's demo pasted as one block starts the server and two clients at
# once) take turns on a lock: the first builds, the others wait for it and then find the build fresh,
# instead of running Maven side by side on the same target/ folders.
opal4j_build_is_stale() {
  local root="$1" stamp="$1/opal4j-server/target/lib/.built"
  [ ! -f "$stamp" ] || [ -n "$(find "$root" -path '*/src/main/*' -newer "$stamp" -print -quit 2>/dev/null)" ] \
    || [ -n "$(find "$root" -name pom.xml -newer "$stamp" -print -quit 2>/dev/null)" ]
}

opal4j_build_if_needed() {
  local root="$1"
  opal4j_build_is_stale "$root" || return 0
  local lock="$root/.opal4j-build.lock"
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$lock"
    if ! flock -n 9; then
      echo "opal4j: waiting for another build of this checkout to finish..." >&2
      flock 9
    fi
  fi
  # checked again under the lock: the build we waited for may have made it fresh
  if opal4j_build_is_stale "$root"; then
    echo "opal4j: building (first run or sources changed)..." >&2
    (cd "$root" && ./mvnw -q -B -ntp -Dmaven.test.skip=true -pl opal4j-server,opal4j-client-cli -am package >&2) \
      || { exec 9>&-; return 1; }
    touch "$root/opal4j-server/target/lib/.built"
  fi
  # Closes the lock only: "exec 9>&- 2>/dev/null" would also send the rest of the script's stderr,
  # and so the server's log, to /dev/null.
  exec 9>&-
}
