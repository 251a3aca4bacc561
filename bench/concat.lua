-- 200,000 string appends (Lua strings are immutable: this is the idiomatic quadratic form, for reference).
local function main()
  local s = ""
  for i = 1, 200000 do s = s .. "x" end
  return #s
end
print(main())
