-- GET /api/v1/stats/{year} of a random year from 2009 to 2026.
function request()
  return wrk.format("GET", "/api/v1/stats/" .. math.random(2009, 2026))
end
