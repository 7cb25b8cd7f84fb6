print("ltx-audio")
