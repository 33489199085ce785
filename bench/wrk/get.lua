-- GET of BENCH_PATH (one fixed URL path).
function scenario_init(args)
  PATH = os.getenv("BENCH_PATH")
end
function request()
  return wrk.format("GET", PATH)
end
