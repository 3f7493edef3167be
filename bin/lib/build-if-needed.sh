# Sourced by bin/opal-server and bin/opal-client: builds the distribution when it is missing or older
# than any source file, so a fresh clone runs with one command.
opal4j_build_if_needed() {
  local root="$1" stamp="$1/opal4j-server/target/lib/.built"
  if [ ! -f "$stamp" ] || [ -n "$(find "$root" -path '*/src/main/*' -newer "$stamp" -print -quit 2>/dev/null)" ] \
     || [ -n "$(find "$root" -name pom.xml -newer "$stamp" -print -quit 2>/dev/null)" ]; then
    echo "opal4j: building (first run or sources changed)..." >&2
    (cd "$root" && ./mvnw -q -B -ntp -Dmaven.test.skip=true -pl opal4j-server,opal4j-client -am package >&2) || return 1
    touch "$stamp"
  fi
}
