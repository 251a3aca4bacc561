-- Method calls on maps and lists in a loop: counting words with m.get, membership with xs.contains, len.
local function contains(xs, x)
  for _, y in ipairs(xs) do if y == x then return true end end
  return false
end
local function main()
  local counts = {}
  local names = {"alpha", "beta", "gamma", "delta", "epsilon"}
  local total = 0
  for i = 0, 300000 - 1 do
    local k = names[i % 5 + 1]
    counts[k] = (counts[k] or 0) + 1
    if contains(names, k) then total = total + #k end
  end
  local n = 0
  for _ in pairs(counts) do n = n + 1 end
  return total + counts["beta"] + n
end
print(main())
