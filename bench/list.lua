-- Build a 1,000,000-element list with append, then sum it.
local function main()
  local xs = {}
  for i = 0, 999999 do xs[#xs + 1] = i end
  local s = 0
  for _, v in ipairs(xs) do s = s + v end
  return s
end
print(main())
