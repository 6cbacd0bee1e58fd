# [[0]*3]*3 is three references to one row: setting one cell changes "all rows".
grid = [[0] * 3] * 3
grid[0][0] = 1
print(grid)
