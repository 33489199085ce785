-- GET /api/v1/items/{id} of a random visible seeded item.
function request()
  return wrk.format("GET", "/api/v1/items/" .. item_id(random_visible_item()))
end
