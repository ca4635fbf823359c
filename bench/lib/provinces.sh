# Shared by the partitioning benchmarks: demo UMKM spread over eight provinces (Aceh, DKI
# Jakarta, Jawa Barat, Jawa Tengah, Jawa Timur, Banten, Bali, NTT), N/8 each, seeded by province.
provinces=(11 31 32 33 35 36 51 53)

# Fills DB; sets `per` (UMKM per province). Extra arguments go to `sentra demo`.
demo_provinces() { # bin n db [demo args...]
  local bin="$1" db="$3" started=$SECONDS p
  per=$(($2 / ${#provinces[@]}))
  shift 3
  for p in "${provinces[@]}"; do
    "$bin" demo --region "$p" --umkm "$per" --seed "$p" --database "$db" "$@" >/dev/null
  done
  echo "demo: $((per * ${#provinces[@]})) UMKM in ${#provinces[@]} provinces, $((SECONDS - started)) s"
}
