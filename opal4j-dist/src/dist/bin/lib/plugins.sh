# Sourced by bin/opal-server: opal4j_plugin_class_path HOME prints ":HOME/plugins/NAME/*" for each
# backbone plugin folder the server needs (see bin/opal-server for the rule), or nothing.
opal4j_plugin_folders() {
  local home="$1" choice="${OPAL4J_PLUGINS:-}" uri="${OPAL_BROADCAST_URI:-}" scheme
  if [ -z "$choice" ]; then
    scheme="$(printf '%s' "${uri%%:*}" | tr '[:upper:]' '[:lower:]')"
    [ "$uri" = "${uri#*:}" ] && scheme=""  # no scheme at all: the server reports the bad URI
    case "$scheme" in
      "" | memory) choice=none ;;
      postgres | postgresql) choice=postgres ;;
      redis | rediss | redis-stream | rediss-stream) choice=redis ;;
      kafka) choice=kafka ;;
      pulsar) choice=pulsar ;;
      nats | tls | nats+tls) choice=nats ;;
      *) choice=all ;;
    esac
  fi
  case "$choice" in
    none) return 0 ;;
    all) (cd "$home/plugins" 2>/dev/null && for d in */; do [ -d "$d" ] && echo "${d%/}"; done) ;;
    *) tr ',' '\n' <<<"$choice" | sed 's/^ *//; s/ *$//' | grep -v '^$' ;;
  esac
}

opal4j_plugin_class_path() {
  local home="$1" name path=""
  while IFS= read -r name; do
    if [ ! -d "$home/plugins/$name" ]; then
      local chosen_by="the scheme of OPAL_BROADCAST_URI"
      [ -n "${OPAL4J_PLUGINS:-}" ] && chosen_by="OPAL4J_PLUGINS=$OPAL4J_PLUGINS"
      echo "opal4j: no backbone plugin folder $home/plugins/$name (chosen by $chosen_by);" \
        "installed: $(ls "$home/plugins" 2>/dev/null | tr '\n' ' ')" >&2
      return 1
    fi
    path="$path:$home/plugins/$name/*"
  done < <(opal4j_plugin_folders "$home")
  printf '%s' "$path"
}
