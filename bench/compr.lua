-- List comprehension-like work on 1,000,000 items: map and filter with small functions, a filtering loop.
local function map(f, xs) local out = {} for i = 1, #xs do out[i] = f(xs[i]) end return out end
local function filter(f, xs) local out = {} for i = 1, #xs do if f(xs[i]) then out[#out + 1] = xs[i] end end return out end
local function main()
  local xs = {}
  for i = 0, 1000000 - 1 do xs[i + 1] = i end
  local squares = map(function(x) return x * x end, xs)
  local evens = filter(function(x) return x % 2 == 0 end, squares)
  local picked = {}
  for _, x in ipairs(xs) do
    if x % 3 == 0 then picked[#picked + 1] = x + 1 end
  end
  local total = 0
  for _, v in ipairs(evens) do total = total + v end
  return total + #picked
end
print(main())
