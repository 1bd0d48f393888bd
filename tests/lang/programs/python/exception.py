raise ValueError("something broke")
